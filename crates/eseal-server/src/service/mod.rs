//! The service layer (issue 17 item 1): the platform's operations as functions of services
//! that take typed input and the acting user, check what that user may do, and return typed
//! output or a [`Failure`](crate::failure::Failure). Nothing here knows HTTP: no axum, no JSON
//! bodies, no status codes. The JSON API (`crate::api`) and the web console call the same
//! functions, so each rule — a role, an ownership check, a limit — is written once, here.
//!
//! A service is a borrowed view of the [`AppState`](crate::state::AppState), made by one of
//! its methods: [`registry`](crate::state::AppState::registry) for applications, review and
//! making, [`accounts`](crate::state::AppState::accounts) for users and logins,
//! [`signing`](crate::state::AppState::signing) for using seals,
//! [`approvals`](crate::state::AppState::approvals) for use requests,
//! [`pin_resets`](crate::state::AppState::pin_resets) for PIN resets,
//! [`trust_list`](crate::state::AppState::trust_list) for other CAs' anchors; the audit log
//! and the transparency log are read through [`crate::transparency`], online verification
//! through [`crate::verifying`] and archives through [`crate::archive`]. The outside systems it needs (the CA, the TSA, the police and national
//! connectors, the HSM, the clock) reach it through the state's ports.
//!
//! Making a seal from Rust, without HTTP (what the console does):
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use eseal_core::{MaterialKind, SealKind};
//! use eseal_server::service::{KeyChoice, MakeSeal, NewApplication};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let running = eseal_server::fixture::start(dir.path().join("data")).await.unwrap();
//! let staff = eseal_server::fixture::staff(&running).await.unwrap();
//! let registry = running.state.registry();
//!
//! // The applicant applies for the holder's personal seal, with the ID card attached…
//! let app = registry
//!     .create_application(
//!         &staff.applicant,
//!         NewApplication {
//!             kind: SealKind::Personal,
//!             seal_name: eseal_server::fixture::HOLDER_NAME.into(),
//!             organisation_code: None,
//!             holder_id: Some(eseal_server::fixture::HOLDER_ID.into()),
//!             purpose: eseal_core::Purpose::New,
//!         },
//!     )
//!     .await
//!     .unwrap();
//! let card = registry.upload_material(&staff.applicant, b"ID card").await.unwrap();
//! registry
//!     .add_material(&staff.applicant, &app.id, MaterialKind::HolderId, &card.sm3)
//!     .await
//!     .unwrap();
//! registry.submit(&staff.applicant, &app.id).await.unwrap();
//!
//! // …the applicant may not approve it (the service checks the role)…
//! let refused = registry
//!     .approve(&staff.applicant, &app.id, None)
//!     .await
//!     .unwrap_err();
//! assert_eq!(refused.code, "forbidden_role");
//! assert!(refused.detail.zh.contains("无权"));
//!
//! // …the reviewer approves (on what they read: `seen` is the record's tag, and a change
//! // made since is refused as stale), and the maker makes the seal with a platform-held key.
//! let seen = eseal_server::service::etag(&registry.application(&staff.reviewer, &app.id).await.unwrap());
//! registry.approve(&staff.reviewer, &app.id, Some(&seen)).await.unwrap();
//! let made = registry
//!     .make(
//!         &staff.maker,
//!         &app.id,
//!         MakeSeal {
//!             key: KeyChoice::Platform,
//!             certificate: None,
//!             impression: Some(include_bytes!("../../../../testdata/image/square.png").to_vec()),
//!             pin: Some("480213".into()),
//!         },
//!     )
//!     .await
//!     .unwrap();
//! assert_eq!(made.seal.name, eseal_server::fixture::HOLDER_NAME);
//! running.abort();
//! # });
//! ```

mod accounts;
mod approvals;
mod list;
mod pin_resets;
mod registry;
mod seals;
mod signing;
mod system;
mod tasks;
mod trust;
mod verify;

pub use crate::signing::{Credential, SignInput, Signed};
pub use accounts::{Accounts, NewUser};
pub use approvals::{Approvals, NewUseRequest};
pub use list::{Listed, PageAt, etag};
pub use pin_resets::PinResets;
pub use registry::{KeyChoice, MakeSeal, NewApplication, Registry};
pub use seals::{Renewal, Revocation, SealPage, SealQuery};
pub use signing::{Prepared, Scope, Session, Signing, StampPicture};
pub use system::{LogState, System, SystemStatus};
pub use tasks::{CAP as TASKS_CAP, Task, TaskKind, Tasks};
pub use trust::TrustList;
pub use verify::{DrawnPage, MAX_PAGES_DRAWN, Verification, overall};

/// Who may do what: the role list of each operation, written once. The services check it;
/// the JSON API's endpoint table names the same constants (so the router refuses early and
/// the OpenAPI document says who may call).
pub mod roles {
    use crate::auth::Role::{self, *};

    /// Upload an identity material.
    pub const UPLOAD_MATERIAL: &[Role] = &[Applicant, Maker, Holder, Custodian];
    /// Read a material (decrypted) for review or making.
    pub const READ_MATERIAL: &[Role] = &[Reviewer, Maker];
    /// Create, complete and submit one's own applications.
    pub const APPLY: &[Role] = &[Applicant];
    /// Read applications (applicants their own).
    pub const READ_APPLICATIONS: &[Role] = &[Applicant, Reviewer, Maker, Auditor];
    /// Read every application, and search them (the agency's staff; the rest only their own).
    pub const READ_ALL_APPLICATIONS: &[Role] = &[Reviewer, Maker, Auditor];
    /// Approve or reject applications.
    pub const REVIEW: &[Role] = &[Reviewer];
    /// Make the seal of an approved application.
    pub const MAKE: &[Role] = &[Maker];
    /// Drawing an impression in the standard style (the applicant's preview, the maker).
    pub const DRAW_IMPRESSION: &[Role] = &[Applicant, Maker];
    /// See seals (each sees only the seals [`crate::access::sees_seal`] allows).
    pub const READ_SEALS: &[Role] = &[
        Reviewer,
        Maker,
        PoliceOfficer,
        Auditor,
        Custodian,
        Approver,
        Holder,
    ];
    /// Every stored version of a seal.
    pub const SEAL_HISTORY: &[Role] = &[Maker, PoliceOfficer, Auditor];
    /// Carry out an approved renewal or revocation application (each also needs [`RENEW`]
    /// or [`REVOKE`]).
    pub const CARRY_OUT: &[Role] = &[Maker];
    /// Renew a seal.
    pub const RENEW: &[Role] = &[Maker];
    /// Revoke a seal.
    pub const REVOKE: &[Role] = &[Maker];
    /// Read the filings (备案) and their deadlines.
    pub const READ_FILINGS: &[Role] = &[Maker, PoliceOfficer, Auditor];
    /// Send a pending filing again now instead of at its next scheduled attempt.
    pub const RETRY_FILINGS: &[Role] = &[Maker];
    /// Use a seal: PIN, sessions, signing (who may use which seal is
    /// [`crate::signing::may_use`]).
    pub const USE_SEAL: &[Role] = &[Holder, Custodian];
    /// Read a seal's usage ledger.
    pub const READ_USAGES: &[Role] = &[Holder, Custodian, Approver, Auditor];
    /// Set a position seal's authorised scope.
    pub const SET_SCOPE: &[Role] = &[Custodian];
    /// Register organisations and their approval levels.
    pub const MANAGE_ORGANISATIONS: &[Role] = &[SystemAdmin];
    /// Ask to use an official seal.
    pub const REQUEST_USE: &[Role] = &[Custodian];
    /// Read use requests.
    pub const READ_USE_REQUESTS: &[Role] = &[Custodian, Approver, Auditor];
    /// Approve or reject use requests.
    pub const APPROVE_USE: &[Role] = &[Approver];
    /// Read PIN reset applications.
    pub const READ_PIN_RESETS: &[Role] = &[Reviewer, Auditor];
    /// Add to and remove from the trust list.
    pub const MANAGE_TRUST: &[Role] = &[SecurityAdmin];
    /// Create, disable and enable users; register persons.
    pub const MANAGE_USERS: &[Role] = &[SystemAdmin];
    /// List users.
    pub const READ_USERS: &[Role] = &[SystemAdmin, SecurityAdmin, Auditor];
    /// Lift a login lockout.
    pub const UNLOCK_USERS: &[Role] = &[SecurityAdmin];
    /// Issue and revoke API tokens.
    pub const MANAGE_TOKENS: &[Role] = &[SecurityAdmin];
    /// List API tokens.
    pub const READ_TOKENS: &[Role] = &[SecurityAdmin, Auditor];
    /// The system status page (filing worker, logs, storage).
    pub const READ_SYSTEM: &[Role] = &[SystemAdmin, SecurityAdmin, Auditor];
}
