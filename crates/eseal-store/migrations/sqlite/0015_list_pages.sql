-- Lists are read a page after a cursor (`find_page`: WHERE col = $1 AND id > $2 ORDER BY id
-- LIMIT $3). An index on the column alone makes the database sort every matching row to
-- find a page (≈ 50–100 ms at 100,000 seals or filings, docs/performance.md); with the id
-- beside it each page is a range scan of its own rows.
DROP INDEX seals_organisation;
DROP INDEX seals_holder;
CREATE INDEX seals_organisation ON seals (organisation_code, id);
CREATE INDEX seals_holder ON seals (holder_id, id);
CREATE INDEX filings_state_id ON filings (state, id);
CREATE INDEX applications_state_id ON applications (state, id);
CREATE INDEX applications_applicant_id ON applications (applicant, id);
CREATE INDEX use_requests_org_id ON use_requests (organisation_code, id);
CREATE INDEX use_requests_state_id ON use_requests (state, id);
CREATE INDEX usages_seal_id ON usages (seal_id, id);
