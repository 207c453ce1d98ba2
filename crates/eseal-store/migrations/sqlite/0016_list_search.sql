-- Lists searched within a state (`find_page_where`: WHERE organisation_code = $1 AND state = $2
-- AND id > $3 ORDER BY id): an organisation's applications or use requests in one state are a
-- range of these indexes, however many the organisation has in other states.
CREATE INDEX applications_org_state_id ON applications (organisation_code, state, id);
CREATE INDEX applications_applicant_state_id ON applications (applicant, state, id);
CREATE INDEX use_requests_org_state_id ON use_requests (organisation_code, state, id);
CREATE INDEX filings_seal_state_id ON filings (seal_id, state, id);
CREATE INDEX pin_resets_state_id ON pin_resets (state, id);
CREATE INDEX pin_resets_seal_state_id ON pin_resets (seal_id, state, id);
