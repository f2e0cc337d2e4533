-- Who is live in which room on which separate media node, folded from the nodes' events.
-- Kept in the database (not only in one API process's memory) so that every API instance
-- behind a load balancer lists the same rooms and sends a room's browsers to the same node.
CREATE TABLE live_presence (
    room TEXT NOT NULL,
    participant TEXT NOT NULL,
    media_node_id TEXT NOT NULL,
    -- the node's session id; a late "left" of an older session must not remove a newer one
    session BIGINT NOT NULL,
    name TEXT NOT NULL,
    -- publish, view, wall
    role TEXT NOT NULL,
    video_tracks BIGINT NOT NULL DEFAULT 0,
    audio_tracks BIGINT NOT NULL DEFAULT 0,
    -- last reported loss in thousandths (0–1000); NULL before the first report
    loss_permille BIGINT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (room, participant)
);
CREATE INDEX live_presence_node ON live_presence (media_node_id);
