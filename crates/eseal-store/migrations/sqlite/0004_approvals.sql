-- Approval of official-seal use (issue 7): requests by custodians, approved by the
-- organisation's approvers, consumed by signing.

CREATE TABLE use_requests (
    id                TEXT PRIMARY KEY,
    version           BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    seal_id           TEXT NOT NULL,
    organisation_code TEXT NOT NULL,
    state             TEXT NOT NULL,
    doc               TEXT NOT NULL
);
CREATE INDEX use_requests_org ON use_requests (organisation_code, state);
CREATE INDEX use_requests_seal ON use_requests (seal_id);
