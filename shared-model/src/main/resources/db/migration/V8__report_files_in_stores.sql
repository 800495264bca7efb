-- Report files move out of the reports database's bytea column into a file store (S3-compatible
-- object storage, or PostgreSQL large objects: offload.files.store). A SUCCEEDED report names
-- its file by store and key, with its size and SHA-256. Files written before this migration stay
-- in report_files and are still served from there.
ALTER TABLE reports
    ADD COLUMN file_store   text,
    ADD COLUMN file_key     text,
    ADD COLUMN file_name    text,
    ADD COLUMN content_type text,
    ADD COLUMN file_sha256  text;

-- Files whose upload has started but which no SUCCEEDED report records yet. A worker registers
-- a file here before its first byte; the transaction that records it with its report deletes the
-- row. A row left behind (the worker died, or the report was cancelled or taken over) names a
-- file that retention deletes once the row is older than offload.api.retention.orphan-upload-age.
CREATE TABLE file_uploads (
    store      text        NOT NULL,
    key        text        NOT NULL,
    report_id  uuid        NOT NULL,
    attempt    integer     NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store, key)
);
CREATE INDEX file_uploads_created ON file_uploads (created_at);
CREATE INDEX file_uploads_report ON file_uploads (report_id);
