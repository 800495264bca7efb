-- Builds the statistics V17 created now rather than at autovacuum's next analyze. In a
-- migration of its own: ANALYZE takes a lock that lets reads and writes go on, but V17's
-- DROP INDEX locks, had it run there, would have been held for as long as it took.
ANALYZE reports;
