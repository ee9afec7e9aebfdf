-- Live connections held by API Gateway's WebSocket API, for deployments that
-- keep the sockets registry in PostgreSQL rather than DynamoDB. The functions
-- never hold these connections; they record who opened each one and how far
-- each subscription has been sent, so delivery can post what comes next.

CREATE TABLE socket_connections (
    -- API Gateway's connection id (opaque, about 16 characters).
    id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    user_id uuid,
    session_id uuid,
    -- Gateways close connections after two hours; a row that outlives its
    -- connection (a lost $disconnect) is ignored after this and purged.
    expires_at timestamptz NOT NULL
);

CREATE INDEX socket_connections_expiry ON socket_connections (expires_at);

CREATE TABLE socket_subscriptions (
    channel text NOT NULL,
    connection_id text NOT NULL REFERENCES socket_connections (id) ON DELETE CASCADE,
    -- The last offset this connection was sent on the channel.
    sent_offset bigint NOT NULL CHECK (sent_offset >= 0),
    -- Delivery lists a channel's subscribers in connection order.
    PRIMARY KEY (channel, connection_id)
);

-- Closing a connection deletes its subscriptions through the cascade.
CREATE INDEX socket_subscriptions_connection ON socket_subscriptions (connection_id);
