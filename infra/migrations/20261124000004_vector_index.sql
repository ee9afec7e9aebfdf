-- Embedded default of the vector-index port: every point persisted here and
-- held in memory by each process for exact search. Processes catch up on each
-- other's writes by reading rows whose seq is past the last one they saw;
-- deletions stay as rows without a vector for the same reason.

CREATE SEQUENCE vector_points_seq;

CREATE TABLE vector_points (
    id      uuid PRIMARY KEY,
    -- Unit-length embedding; NULL once the point is deleted.
    vector  real[] CHECK (vector IS NULL OR cardinality(vector) > 0),
    payload jsonb,
    seq     bigint NOT NULL DEFAULT nextval('vector_points_seq'),
    CONSTRAINT vector_points_deleted_shape CHECK ((vector IS NULL) = (payload IS NULL))
);
CREATE UNIQUE INDEX vector_points_seq_idx ON vector_points (seq);
