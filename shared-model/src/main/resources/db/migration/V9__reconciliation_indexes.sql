-- Reconciliation (api-service) sweeps unfinished reports every 30 s: these keep its queries
-- to the unfinished rows however many finished reports the table holds.
CREATE INDEX reports_queued_published ON reports (task_published_at) WHERE status = 'QUEUED';
CREATE INDEX reports_running_lease ON reports (lease_until) WHERE status = 'RUNNING';
-- The workers look for finished reports whose outcome email was never recorded.
CREATE INDEX reports_finished ON reports (finished_at) WHERE status IN ('SUCCEEDED', 'FAILED');
