-- Rate-limit buckets are rewritten by every request they limit. With room left
-- on each page, an update that changes no indexed column (most takes, see the
-- key-value store) stays on its page as a heap-only tuple: no new index
-- entries, and dead versions are pruned on the page as it is read. Applies to
-- pages written from now on, which for this small, fast-churning table is soon.
ALTER TABLE kv_entries SET (fillfactor = 50);
