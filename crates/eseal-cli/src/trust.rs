//! The verification policy for `--trust DIR`.

use eseal_doc::PkiValidator;

/// The verification policy for `--trust DIR` (or none: chains INDETERMINATE).
pub fn policy(trust: Option<&std::path::Path>) -> anyhow::Result<eseal_ses::VerifyPolicy> {
    let mut policy = eseal_ses::VerifyPolicy::default();
    if let Some(dir) = trust {
        let (store, notes) = crate::pki::load_trust_store(dir)?;
        for n in notes {
            eprintln!("{n}");
        }
        if store.anchors().is_empty() {
            anyhow::bail!(
                "{} holds no trust anchor (self-signed CA certificate)",
                dir.display()
            );
        }
        policy.chain_validator = Some(std::sync::Arc::new(PkiValidator { store }));
    }
    Ok(policy)
}
