-- Notifying everyone who saved a work, or every follower of an artist, walks
-- them in pages ordered by user (realtime fan-out): these indexes make each
-- page a range scan instead of a sort of the whole audience.
CREATE INDEX saves_artwork_user_idx ON saves (artwork_id, user_id);
CREATE INDEX follows_artist_user_idx ON follows (artist_id, user_id);
DROP INDEX follows_artist_idx;
