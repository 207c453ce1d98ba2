//! How each eseal-core aggregate maps to a table: its key and the indexed columns kept beside
//! the JSON document.

use eseal_core::{
    Application, Filing, FilingState, Organisation, Person, PinReset, PositionScope, Seal,
    SealKind, SealState, Usage, UsageState, UseRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

/// A value for an indexed column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// Text, or NULL.
    Text(Option<String>),
    /// An integer (times are Unix seconds), or NULL.
    Int(Option<i64>),
}

/// An aggregate the store keeps. Implemented here for every eseal-core aggregate.
pub trait Record: Serialize + DeserializeOwned {
    /// Its table (a constant, never user input).
    const TABLE: &'static str;
    /// Its key.
    fn key(&self) -> &str;
    /// The indexed columns besides id, version, updated_at and doc, in a fixed order.
    fn columns(&self) -> Vec<(&'static str, Column)>;
    /// The public transparency entry every write of this record appends (seals only); the
    /// store fills in the sequence number, time, event and version.
    fn published(&self) -> Option<crate::transparency::SealEntry> {
        None
    }
    /// The outcome its audit entries carry (default: `state=<state column>`, else `ok`):
    /// what an auditor needs to see changed, never a secret.
    fn audit_outcome(&self) -> Option<String> {
        None
    }
}

fn text(s: &str) -> Column {
    Column::Text(Some(s.to_owned()))
}

fn opt<T: AsRef<str>>(s: &Option<T>) -> Column {
    Column::Text(s.as_ref().map(|v| v.as_ref().to_owned()))
}

/// Unix seconds.
pub fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

impl Record for Organisation {
    const TABLE: &'static str = "organisations";
    fn key(&self) -> &str {
        &self.uscc
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        Vec::new()
    }
}

impl Record for Person {
    const TABLE: &'static str = "people";
    fn key(&self) -> &str {
        &self.citizen_id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        Vec::new()
    }
}

impl Record for Application {
    const TABLE: &'static str = "applications";
    fn key(&self) -> &str {
        &self.id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("state", text(self.state.name())),
            ("applicant", text(&self.applicant)),
            ("organisation_code", opt(&self.organisation_code)),
        ]
    }
}

impl Record for Seal {
    const TABLE: &'static str = "seals";
    fn key(&self) -> &str {
        &self.id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        let state = match self.state {
            SealState::Active => "active",
            SealState::Revoked { .. } => "revoked",
        };
        vec![
            ("state", text(state)),
            ("organisation_code", opt(&self.organisation_code)),
            ("holder_id", opt(&self.holder_id)),
            ("valid_to", Column::Int(Some(unix(self.valid_to)))),
        ]
    }
    fn published(&self) -> Option<crate::transparency::SealEntry> {
        let kind = match self.kind {
            SealKind::Official(_) => "official",
            SealKind::Personal => "personal",
            SealKind::Position(_) => "position",
        };
        let state = match &self.state {
            SealState::Active => "active".to_owned(),
            SealState::Revoked { reason, .. } => format!(
                "revoked:{}",
                serde_json::to_value(reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        };
        Some(crate::transparency::SealEntry {
            seq: 0,
            at: 0,
            event: String::new(),
            seal_id: self.id.to_string(),
            version: 0,
            kind: kind.into(),
            state,
            seal_sm3: self
                .seal_data_sm3
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            certificate_serial: self.certificate_serial.clone(),
            valid_from: unix(self.valid_from),
            valid_to: unix(self.valid_to),
        })
    }
}

impl Record for Filing {
    const TABLE: &'static str = "filings";
    fn key(&self) -> &str {
        &self.id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        let (state, next) = match &self.state {
            FilingState::Pending { next_attempt, .. } => ("pending", Some(unix(*next_attempt))),
            FilingState::Delivered { .. } => ("delivered", None),
        };
        vec![
            ("state", text(state)),
            ("seal_id", text(&self.seal_id)),
            ("next_attempt", Column::Int(next)),
            // Writing a filing's outcome releases the worker's claim, so the retry waits for
            // its backoff only, not for the rest of the lease.
            ("claimed_until", Column::Int(Some(0))),
        ]
    }
}

impl Record for Usage {
    const TABLE: &'static str = "usages";
    fn key(&self) -> &str {
        &self.id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        let signature = match &self.state {
            UsageState::Signed { signature_sm3, .. } => Some(signature_sm3.clone()),
            _ => None,
        };
        vec![
            ("seal_id", text(&self.seal_id)),
            ("state", text(self.state.name())),
            ("signature_sm3", Column::Text(signature)),
        ]
    }
}

impl Record for UseRequest {
    const TABLE: &'static str = "use_requests";
    fn key(&self) -> &str {
        &self.id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("seal_id", text(&self.seal_id)),
            ("organisation_code", text(&self.organisation_code)),
            ("state", text(self.state.name())),
        ]
    }
}

impl Record for PositionScope {
    const TABLE: &'static str = "position_scopes";
    fn key(&self) -> &str {
        &self.seal_id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        Vec::new()
    }
}

impl Record for PinReset {
    const TABLE: &'static str = "pin_resets";
    fn key(&self) -> &str {
        &self.id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("seal_id", text(&self.seal_id)),
            ("state", text(self.state.name())),
        ]
    }
}
