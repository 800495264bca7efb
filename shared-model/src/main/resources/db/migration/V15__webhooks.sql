-- Webhooks: endpoints a user registers, the events they are told about, and one delivery
-- per event and endpoint. The events and deliveries are an outbox: whatever records an
-- event (the report events listener, a batch finishing) inserts its rows in its own
-- transaction; api-service's sender posts due deliveries later, with back-off, so a
-- receiver that is down never holds up the event's source.

CREATE TABLE webhook_endpoints (
    id          uuid        PRIMARY KEY,
    owner_id    text        NOT NULL,
    url         text        NOT NULL,
    -- Event types the endpoint receives (report.succeeded, report.failed, batch.completed).
    events      text[]      NOT NULL,
    -- The Standard Webhooks signing secret (whsec_ and base64); shown to the owner once, kept
    -- here because every delivery is signed with it.
    secret      text        NOT NULL,
    description text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner_id, created_at);

-- One row per event, whatever the number of endpoints: the id is stable (derived from what
-- happened, so a redelivered broker message inserts nothing) and the body is stored once,
-- so every delivery and redelivery of the event carries the same bytes.
CREATE TABLE webhook_events (
    id         text        PRIMARY KEY,
    owner_id   text        NOT NULL,
    type       text        NOT NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Retention deletes events by age.
CREATE INDEX webhook_events_created ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
    id              uuid        PRIMARY KEY,
    event_id        text        NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id     uuid        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status          text        NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts        integer     NOT NULL DEFAULT 0,
    -- When the sender may take it next; a sender that takes it moves this on by its lease,
    -- so a sender that dies mid-call leaves it to another after the lease.
    next_attempt_at timestamptz,
    last_attempt_at timestamptz,
    -- The receiver's HTTP status of the last attempt, or NULL when there was no answer.
    last_status     integer,
    -- A short summary of why the last attempt failed (never a stack trace).
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- The sender's work list stays small: only deliveries still to be made.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';
-- The delivery log of one endpoint, newest first.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
