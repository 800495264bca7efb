-- Report files are deleted some days after their report finished (offload.api.retention.*).
-- The report row stays, so its owner still sees it and a download answers 410 Gone with the
-- date the file was deleted, rather than 404.
ALTER TABLE reports ADD COLUMN file_deleted_at timestamptz;

-- The retention job's work list: succeeded reports whose file is still stored, oldest first.
CREATE INDEX reports_files_to_expire ON reports (finished_at) WHERE status = 'SUCCEEDED' AND file_deleted_at IS NULL;
