-- The relay reads the next single reports to publish with task_published_at IS NULL AND
-- batch_id IS NULL AND status = 'QUEUED', oldest first. reports_unpublished_single (V13)
-- left status out of its condition, so the planner had to expect QUEUED rows to be rare
-- in it (it takes status and task_published_at as independent) and chose
-- reports_queued_published instead, which also holds every queued report of every
-- batch: with a month-end batch waiting, each relay round read all of the batch's
-- unpublished rows to find the few single ones (UnpublishedTasksPlanTests: 5,200 rows
-- read for 100 returned). With status in the condition, the index holds exactly the rows
-- the relay looks for, and the planner knows it.
SET LOCAL lock_timeout = '10s';
DROP INDEX IF EXISTS reports_unpublished_single;
CREATE INDEX reports_unpublished_single ON reports (created_at)
    WHERE task_published_at IS NULL AND batch_id IS NULL AND status = 'QUEUED';
