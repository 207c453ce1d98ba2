// Tells the tests which prerequisites are missing on this machine (see the included file):
// the tests that need them are then reported as ignored, with the reason.
include!("../eseal-testkit/src/prerequisites.rs");

fn main() {
    emit_prerequisites();
    // `sqlx::migrate!` embeds the migrations when this crate compiles: a new or changed
    // migration file must rebuild it.
    println!("cargo::rerun-if-changed=migrations");
}
