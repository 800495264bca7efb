-- The report catalogue, as the workers offer it. Each worker writes one row per report type it
-- can build when it starts (the type's descriptor as JSON: name, version, title, parameters,
-- formats), renews seen_at while it runs, and deletes its rows when it stops. api-service
-- serves GET /api/report-types and validates requests from these rows, so a new report type
-- needs no change to api-service: deploying workers that offer it is enough.
CREATE TABLE report_type_offers (
    worker_id     text        NOT NULL,
    type          text        NOT NULL,
    version       integer     NOT NULL,
    descriptor    jsonb       NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now(),
    seen_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (worker_id, type)
);
CREATE INDEX report_type_offers_seen ON report_type_offers (seen_at);
