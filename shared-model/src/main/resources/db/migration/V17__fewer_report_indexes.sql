-- Every report row is inserted once and updated three times on its way (the relay's
-- task_published_at, the worker's claim and its outcome). None of those updates can be a
-- HOT update (status and task_published_at are indexed), so each one writes a new entry
-- into every index whose condition the row meets. These four served no query that another
-- index does not serve as well (checked with EXPLAIN on 200,000 rows, mostly finished):
-- - reports_unpublished: the relay uses reports_unpublished_single and
--   reports_unpublished_batch, the outbox metric reports_queued_published;
-- - reports_unfinished: reconciliation's sweeps use reports_queued_published and
--   reports_running_lease;
-- - reports_finished: the workers' missing-email sweep uses reports_finished_any (same key,
--   and CANCELLED as well);
-- - reports_queued_interactive: Backpressure's count of queued interactive reports now
--   reads reports_owner_unfinished.
-- Index writes per report go from about 28 to 21 (counted in WAL records).
-- Each DROP INDEX locks the table until the migration commits: on a busy table give up
-- (the service fails to start and is started again) rather than queue every request
-- behind the lock.
SET LOCAL lock_timeout = '10s';
DROP INDEX IF EXISTS reports_unpublished;
DROP INDEX IF EXISTS reports_unfinished;
DROP INDEX IF EXISTS reports_finished;
DROP INDEX IF EXISTS reports_queued_interactive;

-- The relay takes a batch's next tasks with batch_id = ? AND status = 'QUEUED' AND
-- task_published_at IS NULL. Taking the three as independent, the planner expected a
-- few hundred rows of a month-end batch of tens of thousands, and read and sorted every
-- queued row of the batch instead of walking reports_unpublished_batch. Statistics on the
-- three together give it the real number, from the next ANALYZE (V18, after this migration
-- has let go of its locks).
CREATE STATISTICS IF NOT EXISTS reports_batch_queue (mcv) ON batch_id, status, task_published_at FROM reports;
