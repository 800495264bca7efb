-- GET /api/reports pages by keyset: the next page starts after the (created_at, id) of the
-- last row shown, newest first, and nothing counts the user's reports. These indexes hold the
-- list's exact order, so a page reads its rows straight off the index and stops after them
-- however long the user's history; the second serves the list filtered by status (without
-- it, a rare status would walk the user's whole history to fill a page).
CREATE INDEX reports_owner_list ON reports (owner_id, created_at DESC, id DESC);
CREATE INDEX reports_owner_status_list ON reports (owner_id, status, created_at DESC, id DESC);
-- A prefix of reports_owner_list: everything it served, the new index serves.
DROP INDEX reports_owner_created;

-- Record retention (api-service, offload.api.retention.*) deletes finished reports, sent
-- emails and idempotency keys past their age, oldest first, in batches; these keep each
-- batch to the rows it deletes.
CREATE INDEX reports_finished_any ON reports (finished_at) WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED');
CREATE INDEX reports_idempotency_keys ON reports (created_at) WHERE idempotency_key IS NOT NULL;
CREATE INDEX sent_emails_sent ON sent_emails (sent_at) WHERE status = 'SENT';
