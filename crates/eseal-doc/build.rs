// Tells the tests which prerequisites are missing on this machine (see the included file):
// the tests that need them are then reported as ignored, with the reason.
include!("../eseal-testkit/src/prerequisites.rs");

fn main() {
    emit_prerequisites();
}
