-- A report request and its lifecycle. PostgreSQL is the source of truth for a report's
-- status; every status change is a conditional update naming the status it expects.
--
-- The row is also its own outbox entry: task_published_at stays NULL until the broker has
-- confirmed the task, and the relay publishes rows where it is NULL. One insert per
-- accepted request, in one transaction, before the 202.
CREATE TABLE reports (
    id                uuid        PRIMARY KEY,
    owner_id          text        NOT NULL,
    owner_email       text        NOT NULL,
    type              text        NOT NULL,
    format            text        NOT NULL,
    parameters        jsonb       NOT NULL DEFAULT '{}',
    status            text        NOT NULL
        CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    progress          integer     NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    attempts          integer     NOT NULL DEFAULT 0,
    error             text,
    idempotency_key   text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    -- A RUNNING report whose worker died may be taken over once this has passed.
    lease_until       timestamptz,
    task_published_at timestamptz,
    publish_attempts  integer     NOT NULL DEFAULT 0,
    file_size         bigint
);

CREATE UNIQUE INDEX reports_owner_idempotency_key ON reports (owner_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX reports_owner_created ON reports (owner_id, created_at DESC);
-- The relay's work list stays small: only rows whose task is not yet confirmed.
CREATE INDEX reports_unpublished ON reports (created_at) WHERE task_published_at IS NULL;
CREATE INDEX reports_unfinished ON reports (status) WHERE status IN ('QUEUED', 'RUNNING');

-- The finished file. Reports are summaries (kilobytes to a few megabytes), so they live
-- beside their row; every api-service replica can serve them with no shared volume.
CREATE TABLE report_files (
    report_id    uuid        PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    file_name    text        NOT NULL,
    content_type text        NOT NULL,
    content      bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
