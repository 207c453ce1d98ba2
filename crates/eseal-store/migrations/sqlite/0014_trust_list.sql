-- The managed trust list (issue 16 item 5, R-INT-1): anchors of other CAs (the national
-- government-service CAs, other platforms) that online verification trusts, added and
-- removed by a security administrator with a reason; every version is kept in `history`.
CREATE TABLE trust_anchors (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    state       TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX trust_anchors_state ON trust_anchors (state);
