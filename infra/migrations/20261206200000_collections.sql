-- Collections: named, ordered lists of works with a note on each. Anyone
-- signed in keeps personal ones, public or private; moderators make
-- editorial ones, which the home page shows once they are published and
-- which have their own pages at /collections/<slug>.

CREATE TYPE collection_kind AS ENUM ('personal', 'editorial');
CREATE TYPE collection_visibility AS ENUM ('public', 'private');

CREATE TABLE collections (
    id           uuid PRIMARY KEY,
    -- Who made it. An editorial collection belongs to the editors as a
    -- whole (any moderator edits it); this is only who started it.
    owner_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         collection_kind NOT NULL,
    -- Normalised before it is stored: one line, single spaces, NFC.
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
    description  text CHECK (char_length(description) BETWEEN 1 AND 2000),
    visibility   collection_visibility NOT NULL,
    -- The pretty URL of an editorial collection; personal ones are reached
    -- by id.
    slug         text UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 80),
    -- Set while an editorial collection is on public view.
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- Editorial collections have a slug and are public once published
    -- (unpublishing is how the editors hide one); personal ones have neither
    -- slug nor publication, their owner's choice of visibility is all.
    CONSTRAINT collections_kind_shape CHECK (
        (kind = 'editorial' AND slug IS NOT NULL AND visibility = 'public')
        OR (kind = 'personal' AND slug IS NULL AND published_at IS NULL)
    )
);
-- An owner's collections, most recently changed first (their list, and the
-- count the per-owner limit checks).
CREATE INDEX collections_owner_idx ON collections (owner_id, updated_at DESC, id DESC);
-- The home page's editorial collections, newest publication first.
CREATE INDEX collections_published_idx ON collections (published_at DESC, id DESC) WHERE published_at IS NOT NULL;
-- Editors' drafts.
CREATE INDEX collections_editorial_drafts_idx ON collections (created_at DESC, id DESC)
    WHERE kind = 'editorial' AND published_at IS NULL;
-- Search finds public collections by title, by words and by trigrams (a
-- misspelt or partial title). Only what anyone may see is indexed; queries
-- repeat this predicate word for word so the planner can use them.
CREATE INDEX collections_title_fts_idx ON collections USING gin (to_tsvector('english', title))
    WHERE visibility = 'public' AND (kind = 'personal' OR published_at IS NOT NULL);
CREATE INDEX collections_title_trgm_idx ON collections USING gin (lower(title) gin_trgm_ops)
    WHERE visibility = 'public' AND (kind = 'personal' OR published_at IS NOT NULL);

-- The works of a collection in their owner's order. A work that leaves
-- public view stays listed here (it comes back if it is published again)
-- but every view leaves it out. Positions only order: gaps are harmless, and
-- the uniqueness is checked at the end of each statement so a reorder can
-- rewrite them all in one.
CREATE TABLE collection_items (
    collection_id uuid NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    artwork_id    uuid NOT NULL REFERENCES artworks (id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position > 0),
    note          text CHECK (char_length(note) BETWEEN 1 AND 500),
    added_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection_id, artwork_id),
    CONSTRAINT collection_items_position_key UNIQUE (collection_id, position) DEFERRABLE INITIALLY IMMEDIATE
);
-- Which of someone's collections hold a work (the "add to collection" menu).
CREATE INDEX collection_items_artwork_idx ON collection_items (artwork_id);
