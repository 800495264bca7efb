-- Recurring reports (issue 15). A schedule creates an ordinary BULK report for each of its
-- runs: a report type, a format, fixed parameters and a period rule that fills in the
-- from/to dates of each run, when it runs (a cron expression, or a named rule kept as
-- JSON), in an IANA time zone.
--
-- next_run_at is the next run not yet handled. Every api-service replica sweeps the due
-- schedules with FOR UPDATE SKIP LOCKED, handles each due run, and moves next_run_at on,
-- in one transaction per schedule.
CREATE TABLE report_schedules (
    id           uuid        PRIMARY KEY,
    owner_id     text        NOT NULL,
    owner_email  text,
    name         text        NOT NULL,
    type         text        NOT NULL,
    format       text        NOT NULL,
    parameters   jsonb       NOT NULL DEFAULT '{}',
    period       text        NOT NULL
        CHECK (period IN ('FIXED', 'PREVIOUS_DAY', 'PREVIOUS_7_DAYS', 'PREVIOUS_WEEK', 'PREVIOUS_MONTH',
                          'MONTH_TO_DATE')),
    cron         text,
    rule         jsonb,
    time_zone    text        NOT NULL,
    misfire      text        NOT NULL CHECK (misfire IN ('CATCH_UP', 'SKIP')),
    paused       boolean     NOT NULL DEFAULT false,
    next_run_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((cron IS NULL) <> (rule IS NULL))
);

CREATE INDEX report_schedules_owner ON report_schedules (owner_id, created_at);
-- The sweep's work list: only active schedules, by when they are due.
CREATE INDEX report_schedules_due ON report_schedules (next_run_at) WHERE NOT paused;

-- One row per handled run of a schedule. The primary key is the guarantee that a run
-- creates its report once, however many replicas sweep: the row is inserted with
-- ON CONFLICT DO NOTHING, and the report is created only if it was, in the same
-- transaction. SKIPPED: missed while the API was down and not caught up; FAILED: its
-- report could not be created (the type is no longer offered, say), with the reason.
CREATE TABLE schedule_runs (
    schedule_id   uuid        NOT NULL REFERENCES report_schedules (id) ON DELETE CASCADE,
    scheduled_for timestamptz NOT NULL,
    report_id     uuid        REFERENCES reports (id) ON DELETE SET NULL,
    state         text        NOT NULL CHECK (state IN ('CREATED', 'SKIPPED', 'FAILED')),
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule_id, scheduled_for)
);

-- Record retention deletes old reports; their runs keep their row without the link.
CREATE INDEX schedule_runs_report ON schedule_runs (report_id) WHERE report_id IS NOT NULL;
