-- api-service's rate limits (Bucket4j's PostgreSQL proxy manager), shared by every replica:
-- one row per limited key (a user's requests, an address's failed sign-ins). A row whose
-- bucket has filled up again expires (expires_at, epoch milliseconds) and is removed.
CREATE TABLE rate_limit_buckets (
    id         text   PRIMARY KEY,
    state      bytea,
    expires_at bigint
);

CREATE INDEX rate_limit_buckets_expires_at ON rate_limit_buckets (expires_at);
