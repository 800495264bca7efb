-- A user whose identity provider has not verified their address (offload.api.security.jwt.
-- unverified-email=without-email) owns reports that send no email.
ALTER TABLE reports ALTER COLUMN owner_email DROP NOT NULL;
