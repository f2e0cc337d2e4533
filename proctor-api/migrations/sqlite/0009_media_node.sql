-- Media nodes that run apart from the API (`proctor media`). Each reports every few seconds;
-- a node not heard from for a while gets no new rooms. `started_at` changes when the node
-- restarts, which tells the API that the node's live sessions are gone.
CREATE TABLE media_node (
    media_node_id TEXT PRIMARY KEY,
    -- base URL of the node's signalling endpoints as browsers reach it
    public_url TEXT NOT NULL,
    -- the node's UDP media address, for operators
    udp_addr TEXT NOT NULL,
    started_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    sessions BIGINT NOT NULL DEFAULT 0,
    tracks BIGINT NOT NULL DEFAULT 0
);
