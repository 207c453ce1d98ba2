-- Witness cosignatures of the logs' checkpoints (issue 8): the signature lines each witness
-- returned for a checkpoint, served appended to it (a C2SP cosigned note).
CREATE TABLE checkpoint_cosignatures (
    log      TEXT NOT NULL,
    size     BIGINT NOT NULL,
    witness  TEXT NOT NULL,
    lines    TEXT NOT NULL,
    PRIMARY KEY (log, size, witness)
);
