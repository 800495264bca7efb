-- The per-user back-pressure check runs on every POST: count a user's QUEUED and RUNNING
-- reports. reports_owner_created would walk every report the user ever made; this index
-- holds only unfinished ones, so the check stays as cheap however long a user's history.
CREATE INDEX reports_owner_unfinished ON reports (owner_id) WHERE status IN ('QUEUED', 'RUNNING');
