-- Artist insights: the daily rollups the insights dashboard reads, so the
-- dashboard never counts raw events.

-- The rollup reads each raw source one day at a time. The interaction memory
-- and the order timeline are append-only logs in time order, where a block
-- range index is enough; negotiations are updated in place, so they get a
-- B-tree.
CREATE INDEX interactions_created_brin ON interactions USING brin (created_at);
CREATE INDEX order_transitions_created_brin ON order_transitions USING brin (created_at);
CREATE INDEX negotiations_created_idx ON negotiations (created_at);

-- One row per work and day (UTC) with any activity; a day without a row had
-- none. What each count means is documented on `insights::domain::Counts`.
-- Next to each day's count, its running total through that day
-- (`*_to_date`): a work's total over any period is the difference of two
-- rows' running totals, so the dashboard reads two rows per work whatever the
-- period's length, not one per work and day. The rollup job keeps the running
-- totals right when it rewrites a day.
CREATE TABLE artwork_daily_stats (
    artwork_id   uuid NOT NULL REFERENCES artworks (id) ON DELETE CASCADE,
    day          date NOT NULL,
    views        bigint NOT NULL CHECK (views >= 0),
    likes        bigint NOT NULL CHECK (likes >= 0),
    saves        bigint NOT NULL CHECK (saves >= 0),
    shares       bigint NOT NULL CHECK (shares >= 0),
    impressions  bigint NOT NULL CHECK (impressions >= 0),
    clicks       bigint NOT NULL CHECK (clicks >= 0),
    -- Sum of the impressions' positions: with `impressions`, the average
    -- position over any period.
    position_sum bigint NOT NULL CHECK (position_sum >= 0),
    offers       bigint NOT NULL CHECK (offers >= 0),
    orders       bigint NOT NULL CHECK (orders >= 0),
    views_to_date        bigint NOT NULL DEFAULT 0,
    likes_to_date        bigint NOT NULL DEFAULT 0,
    saves_to_date        bigint NOT NULL DEFAULT 0,
    shares_to_date       bigint NOT NULL DEFAULT 0,
    impressions_to_date  bigint NOT NULL DEFAULT 0,
    clicks_to_date       bigint NOT NULL DEFAULT 0,
    position_sum_to_date bigint NOT NULL DEFAULT 0,
    offers_to_date       bigint NOT NULL DEFAULT 0,
    orders_to_date       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (artwork_id, day)
);
-- The job rewrites whole days.
CREATE INDEX artwork_daily_stats_day_idx ON artwork_daily_stats (day);

-- The same counts per artist and day, for the overall charts: a year is 365
-- rows whatever the number of works. Not a plain sum of the works' rows:
-- `orders` counts each order once, however many of the artist's works it
-- holds.
CREATE TABLE artist_daily_stats (
    artist_id    uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    day          date NOT NULL,
    views        bigint NOT NULL CHECK (views >= 0),
    likes        bigint NOT NULL CHECK (likes >= 0),
    saves        bigint NOT NULL CHECK (saves >= 0),
    shares       bigint NOT NULL CHECK (shares >= 0),
    impressions  bigint NOT NULL CHECK (impressions >= 0),
    clicks       bigint NOT NULL CHECK (clicks >= 0),
    position_sum bigint NOT NULL CHECK (position_sum >= 0),
    offers       bigint NOT NULL CHECK (offers >= 0),
    orders       bigint NOT NULL CHECK (orders >= 0),
    PRIMARY KEY (artist_id, day)
);
CREATE INDEX artist_daily_stats_day_idx ON artist_daily_stats (day);

-- Revenue per work, day (the day its order was paid) and currency, in minor
-- units of that currency: an artist may price works in several currencies,
-- and amounts in different currencies are never added up. Sales are rare
-- next to views, so a period's revenue is a sum over few rows.
CREATE TABLE artwork_daily_revenue (
    artwork_id   uuid NOT NULL REFERENCES artworks (id) ON DELETE CASCADE,
    day          date NOT NULL,
    currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    artist_id    uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    PRIMARY KEY (artwork_id, day, currency)
);
CREATE INDEX artwork_daily_revenue_artist_idx ON artwork_daily_revenue (artist_id, day);
CREATE INDEX artwork_daily_revenue_day_idx ON artwork_daily_revenue (day);

-- When each day was last rolled up: how fresh the dashboard's numbers are,
-- and where the next scheduled run has to start from.
CREATE TABLE insights_rollup_days (
    day         date PRIMARY KEY,
    computed_at timestamptz NOT NULL
);
