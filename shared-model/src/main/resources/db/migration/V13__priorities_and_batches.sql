-- Month-end (issue 15). A report travels in one of two lanes: INTERACTIVE (someone just
-- asked for it) or BULK (a schedule or a batch created it). Each lane has its own queue,
-- so a pile of bulk work never delays an interactive report; the per-user limit of
-- unfinished reports and the global backlog limit count interactive reports only, since
-- bulk work is admitted as a unit (a schedule, a batch) and absorbed by the queue.
ALTER TABLE reports ADD COLUMN priority text NOT NULL DEFAULT 'INTERACTIVE'
    CHECK (priority IN ('INTERACTIVE', 'BULK'));

-- A batch: one request for many reports of one type and format, with the parameters they
-- share and, per report, its own (items). Its reports are created
-- in chunks in the background (created counts how many exist so far; the batch's
-- reports are numbered by batch_item, so creating a chunk again after a crash creates
-- nothing twice). A list batch carries its parameter sets; a selector batch has them
-- filled in by a worker, which runs the report type's selector against the report data.
CREATE TABLE report_batches (
    id                  uuid        PRIMARY KEY,
    owner_id            text        NOT NULL,
    owner_email         text,
    type                text        NOT NULL,
    format              text        NOT NULL,
    selector            text,
    parameters          jsonb       NOT NULL DEFAULT '{}',
    items               jsonb,
    total               integer,
    created             integer     NOT NULL DEFAULT 0,
    state               text        NOT NULL
        CHECK (state IN ('SELECTING', 'CREATING', 'RUNNING', 'COMPLETED', 'CANCELLED', 'FAILED')),
    error               text,
    idempotency_key     text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz,
    summary_sent_at     timestamptz,
    CHECK ((selector IS NULL) <> (items IS NULL) OR state <> 'SELECTING')
);

CREATE UNIQUE INDEX report_batches_owner_idempotency_key ON report_batches (owner_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX report_batches_owner_list ON report_batches (owner_id, created_at DESC, id DESC);
CREATE INDEX report_batches_open ON report_batches (state) WHERE state IN ('SELECTING', 'CREATING', 'RUNNING');

ALTER TABLE reports ADD COLUMN batch_id uuid REFERENCES report_batches (id);
ALTER TABLE reports ADD COLUMN batch_item integer;
CREATE UNIQUE INDEX reports_batch_item ON reports (batch_id, batch_item) WHERE batch_id IS NOT NULL;
-- Progress per status, and the relay's in-flight count per batch.
CREATE INDEX reports_batch_status ON reports (batch_id, status) WHERE batch_id IS NOT NULL;

-- The per-user limit counts only a user's unfinished interactive reports.
DROP INDEX reports_owner_unfinished;
CREATE INDEX reports_owner_unfinished ON reports (owner_id)
    WHERE status IN ('QUEUED', 'RUNNING') AND priority = 'INTERACTIVE';
CREATE INDEX reports_queued_interactive ON reports (status) WHERE status = 'QUEUED' AND priority = 'INTERACTIVE';

-- The relay publishes single reports oldest first and each batch's reports in item order,
-- at most offload.api.batches.max-in-flight of one batch at a time (fairness between
-- batches): these keep both reads to the rows they return, however many batch reports
-- wait unpublished.
CREATE INDEX reports_unpublished_single ON reports (created_at)
    WHERE task_published_at IS NULL AND batch_id IS NULL;
CREATE INDEX reports_unpublished_batch ON reports (batch_id, batch_item)
    WHERE task_published_at IS NULL AND batch_id IS NOT NULL;
CREATE INDEX reports_batch_in_flight ON reports (batch_id)
    WHERE batch_id IS NOT NULL AND task_published_at IS NOT NULL AND status IN ('QUEUED', 'RUNNING');
