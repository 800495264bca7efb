-- sent_emails becomes the worker's email outbox. Recording an outcome's email and sending
-- it are separate steps: the event listener inserts a PENDING row (at most one per report
-- and outcome, as before) and acknowledges the event; a sender mails due rows and marks
-- them SENT, or, when the SMTP server does not take a mail, counts the attempt and sets
-- when to try again (exponential back-off). An SMTP outage delays emails; it never drops
-- them and never makes a report be built again.
--
-- Rows written before this migration were mailed already: they become SENT.
ALTER TABLE sent_emails
    ADD COLUMN status          text        NOT NULL DEFAULT 'SENT' CHECK (status IN ('PENDING', 'SENT')),
    ADD COLUMN subject         text,
    ADD COLUMN body            text,
    ADD COLUMN attempts        integer     NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN last_error      text,
    ADD COLUMN created_at      timestamptz NOT NULL DEFAULT now();

ALTER TABLE sent_emails ALTER COLUMN status SET DEFAULT 'PENDING';
-- sent_at is when the SMTP server took the mail; NULL while PENDING.
ALTER TABLE sent_emails ALTER COLUMN sent_at DROP NOT NULL;
ALTER TABLE sent_emails ALTER COLUMN sent_at DROP DEFAULT;

-- The sender's work list stays small: only rows still to be sent.
CREATE INDEX sent_emails_due ON sent_emails (next_attempt_at) WHERE status = 'PENDING';
