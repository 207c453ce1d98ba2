//! The usage ledger (R-AUDIT-2, Art. 21): every use of a seal, written as an intent before the
//! key is used and completed in the same transaction as the signature's record. A crash
//! between the two leaves an intent that recovery marks aborted, never a signature the ledger
//! does not know.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a use stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum UsageState {
    /// Committed before the key is used.
    Intent,
    /// The signature was made.
    Signed {
        /// SM3 of the signature (the DER SES_Signature), hex: for an OFD, its
        /// `SignedValue.dat`, so any copy of the signed document finds this entry.
        signature_sm3: String,
        /// SM3 of the signed document handed back, when it is not the signature itself (OFD
        /// signing: the package with the signature added). Not stored: the holder keeps it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document_out_sm3: Option<String>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        at: OffsetDateTime,
    },
    /// Never completed (crash, refused after the intent); final.
    Aborted {
        /// Why.
        why: String,
        /// When recovery or the refusal recorded it.
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        at: OffsetDateTime,
    },
}

impl UsageState {
    /// The state's name, as stored.
    pub fn name(&self) -> &'static str {
        match self {
            UsageState::Intent => "intent",
            UsageState::Signed { .. } => "signed",
            UsageState::Aborted { .. } => "aborted",
        }
    }
}

/// One use of a seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Usage {
    /// Identifier.
    pub id: String,
    /// The seal.
    pub seal_id: crate::SealId,
    /// Who signed (user name).
    pub signer: String,
    /// SM3 of the document (or of the data signed), hex.
    pub document_sm3: crate::Sm3Hex,
    /// The document's name as given.
    pub document_name: String,
    /// Purpose (用途).
    pub purpose: String,
    /// Counterparty, when any.
    pub counterparty: Option<String>,
    /// The approval it used (official seals).
    pub approval: Option<String>,
    /// When the intent was recorded.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub created: OffsetDateTime,
    /// State.
    pub state: UsageState,
}

impl Usage {
    /// A new intent; purpose and document digest are required.
    #[allow(clippy::too_many_arguments)]
    pub fn intent(
        id: &str,
        seal_id: &crate::SealId,
        signer: &str,
        document_sm3: &str,
        document_name: &str,
        purpose: &str,
        counterparty: Option<&str>,
        created: OffsetDateTime,
    ) -> Result<Self, DomainError> {
        if purpose.trim().is_empty() {
            return Err(DomainError::Invalid {
                field: "purpose",
                why: crate::Text::new(
                    "每次用印都须登记用途（用印台账）",
                    "every use of a seal records its purpose (the usage ledger)",
                ),
            });
        }
        let document_sm3 = crate::Sm3Hex::parse("document_sm3", document_sm3)?;
        Ok(Self {
            id: id.to_owned(),
            seal_id: seal_id.clone(),
            signer: signer.to_owned(),
            document_sm3,
            document_name: document_name.to_owned(),
            purpose: purpose.trim().to_owned(),
            counterparty: counterparty.map(str::to_owned),
            approval: None,
            created,
            state: UsageState::Intent,
        })
    }

    /// The signature was made.
    pub fn signed(
        &mut self,
        signature_sm3: &str,
        document_out_sm3: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<(), DomainError> {
        if self.state != UsageState::Intent {
            return Err(DomainError::IllegalTransition {
                what: "usage",
                state: self.state.name().into(),
                action: "completing",
            });
        }
        self.state = UsageState::Signed {
            signature_sm3: signature_sm3.to_owned(),
            document_out_sm3: document_out_sm3.map(str::to_owned),
            at,
        };
        Ok(())
    }

    /// The intent will never complete.
    pub fn aborted(&mut self, why: &str, at: OffsetDateTime) -> Result<(), DomainError> {
        if self.state != UsageState::Intent {
            return Err(DomainError::IllegalTransition {
                what: "usage",
                state: self.state.name().into(),
                action: "aborting",
            });
        }
        self.state = UsageState::Aborted {
            why: why.to_owned(),
            at,
        };
        Ok(())
    }
}
