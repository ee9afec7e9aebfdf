-- Search impressions: which works each search answer showed and where, and
-- which of them the searcher opened, for artists' insights.

-- The works one search answer showed (its page of results), at their
-- positions in the whole ranking (1 is the first result), and when the
-- searcher opened one from it. Owned by search. `search_id` is the id of the
-- search_queries row, with no foreign key: a query names who searched and is
-- deleted when they ask to be forgotten, while an impression alone names
-- nobody. Impressions are purged with the queries, after
-- SEARCH_HISTORY_RETENTION_DAYS; the daily rollups keep their counts.
CREATE TABLE search_impressions (
    search_id  uuid NOT NULL,
    artwork_id uuid NOT NULL REFERENCES artworks (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 1),
    shown_at   timestamptz NOT NULL DEFAULT now(),
    -- Set once: opening the same result again is the same click.
    clicked_at timestamptz,
    PRIMARY KEY (search_id, artwork_id)
);
-- Rows arrive in time order and are never updated but for the click, so a
-- block range index finds a day's impressions (for the rollup) and the
-- expired ones (for the purge) at a fraction of a B-tree's size and write cost.
CREATE INDEX search_impressions_shown_brin ON search_impressions USING brin (shown_at);
