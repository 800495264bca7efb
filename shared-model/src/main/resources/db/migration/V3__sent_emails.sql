-- One row per report outcome that was mailed, so a redelivered event never mails twice.
CREATE TABLE sent_emails (
    report_id  uuid        NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    outcome    text        NOT NULL,
    recipient  text        NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_id, outcome)
);
