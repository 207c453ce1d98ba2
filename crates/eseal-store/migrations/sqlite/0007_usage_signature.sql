-- Online verification finds a ledger entry by the SM3 of its signature (an index, not a scan
-- of the seal's usages); existing entries are filled in from their documents.
ALTER TABLE usages ADD COLUMN signature_sm3 TEXT;
UPDATE usages SET signature_sm3 = json_extract(doc, '$.state.signature_sm3')
    WHERE json_extract(doc, '$.state.state') = 'signed';
CREATE INDEX usages_signature ON usages (signature_sm3);
