-- Queue-like tables (rows inserted, then deleted soon after) end up with empty
-- pages at their end, and autovacuum's last step truncates them under an
-- ACCESS EXCLUSIVE lock. On kv_entries, which every rate-limited request
-- writes, that lock stalled the whole API for seconds once a minute under load
-- (`scripts/soak`: requests waiting past the pool's 5 s timeout at each
-- autovacuum run). The pages are reused by the next inserts anyway.
ALTER TABLE kv_entries SET (vacuum_truncate = false);
ALTER TABLE jobs SET (vacuum_truncate = false);
