// What the tests need from outside the repository, checked by each crate's build script
// (which `include!`s this file: it uses std only and has no inner attributes).
//
// A prerequisite that is missing on a developer's machine sets `cfg(eseal_skip_<name>)`,
// and the tests that need it carry `#[cfg_attr(eseal_skip_<name>, ignore = "…")]`: the test
// runner's own summary then counts them as ignored, with the reason, instead of a silent
// pass. Under `CI` nothing is ever skipped: the cfg is not set, the tests run, and the
// testkit's checks fail them (`.ci/run` installs everything).

/// The prerequisites: (cfg name, whether it is there).
pub fn prerequisites(manifest_dir: &std::path::Path) -> Vec<(&'static str, bool)> {
    use std::path::PathBuf;
    let samples = std::env::var_os("ESEAL_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("../../../shared/samples"));
    let runs = |cmd: &str, arg: &str| {
        std::process::Command::new(cmd)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let font = match std::env::var_os("ESEAL_FONT") {
        Some(f) => PathBuf::from(f).is_file(),
        None => [
            "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
            "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        ]
        .iter()
        .any(|p| std::path::Path::new(p).is_file()),
    };
    let softhsm = std::env::var_os("ESEAL_SOFTHSM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/softhsm/libsofthsm2.so"))
        .is_file()
        && runs("softhsm2-util", "--version");
    vec![
        ("samples", samples.is_dir()),
        ("openssl", runs("openssl", "version")),
        ("pg", std::env::var("ESEAL_TEST_PG").is_ok_and(|u| !u.is_empty())),
        ("font", font),
        ("softhsm", softhsm),
        (
            "openapi_validator",
            std::process::Command::new("python3")
                .args(["-c", "import openapi_spec_validator"])
                .output()
                .is_ok_and(|o| o.status.success()),
        ),
    ]
}

/// Prints the build script's directives.
pub fn emit_prerequisites() {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    for var in ["CI", "ESEAL_SAMPLES", "ESEAL_TEST_PG", "ESEAL_FONT", "ESEAL_SOFTHSM", "PATH"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    println!(
        "cargo::rerun-if-changed={}",
        manifest.join("../../../shared/samples").display()
    );
    println!("cargo::rerun-if-changed=build.rs");
    let ci = std::env::var_os("CI").is_some();
    for (name, present) in prerequisites(&manifest) {
        println!("cargo::rustc-check-cfg=cfg(eseal_skip_{name})");
        if !present && !ci {
            println!("cargo::rustc-cfg=eseal_skip_{name}");
        }
    }
}
