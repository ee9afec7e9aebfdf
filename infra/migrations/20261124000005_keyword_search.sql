-- Keyword search: a weighted full-text document per artwork, and trigram
-- indexes for typo-tolerant matching of titles and artist names.
--
-- Weights: A title; B tags, styles and the artist's name; C description and
-- medium; D the category. The document spans several tables, so it is not a
-- generated column: every write path calls refresh_artwork_search for the
-- artworks it touched, inside its own transaction.

ALTER TABLE artworks ADD COLUMN search_document tsvector NOT NULL DEFAULT ''::tsvector;

CREATE FUNCTION refresh_artwork_search(ids uuid[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE artworks a SET search_document =
        setweight(to_tsvector('english', a.title), 'A')
        || setweight(to_tsvector('english',
               coalesce((SELECT string_agg(t.name, ' ') FROM artwork_tags at JOIN tags t ON t.slug = at.tag_slug
                         WHERE at.artwork_id = a.id), '')
               || ' ' || replace(array_to_string(a.styles, ' '), '-', ' ')
               || ' ' || ar.name), 'B')
        || setweight(to_tsvector('english', a.description || ' ' || a.medium), 'C')
        || setweight(to_tsvector('english', c.name), 'D')
    FROM artists ar, categories c
    WHERE ar.id = a.artist_id AND c.id = a.category_id AND a.id = ANY(ids);
$$;

SELECT refresh_artwork_search(array_agg(id)) FROM artworks;

CREATE INDEX artworks_search_idx ON artworks USING gin (search_document);
CREATE INDEX artworks_title_trgm_idx ON artworks USING gin (lower(title) gin_trgm_ops);
CREATE INDEX artists_name_trgm_idx ON artists USING gin (lower(name) gin_trgm_ops);
