-- Embedded default of the job-queue port: a table queue with SQS semantics.
-- Consumers claim rows with FOR UPDATE SKIP LOCKED, which hides them for a
-- visibility timeout; a job not deleted in time becomes visible again, and one
-- received too often moves to dead_jobs for a person to look at.

CREATE TABLE jobs (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL,
    payload       jsonb NOT NULL,
    -- Sending twice with the same key enqueues once (e.g. one processing job per upload).
    dedup_key     text UNIQUE,
    visible_at    timestamptz NOT NULL DEFAULT now(),
    receive_count integer NOT NULL DEFAULT 0,
    -- Changes on every receive, so a consumer whose claim expired cannot delete
    -- the job out from under the consumer that holds it now.
    receipt       uuid,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_visible_idx ON jobs (visible_at);

CREATE TABLE dead_jobs (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL,
    payload       jsonb NOT NULL,
    dedup_key     text,
    receive_count integer NOT NULL,
    last_error    text,
    created_at    timestamptz NOT NULL,
    died_at       timestamptz NOT NULL DEFAULT now()
);
