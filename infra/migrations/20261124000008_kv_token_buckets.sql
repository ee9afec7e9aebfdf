-- Token buckets (rate limits) live in the key-value table beside counters and
-- values, so they share its time to live and its key space. A bucket's level
-- is `tokens` as of `refilled_at`; the refill since then is computed on each
-- take, so idle buckets cost no writes. Both stay NULL on other entries.

ALTER TABLE kv_entries
    ADD COLUMN tokens      double precision,
    ADD COLUMN refilled_at timestamptz;
