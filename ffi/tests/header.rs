//! The committed C header matches what cbindgen generates from the source.

use std::path::Path;

#[path = "../build-support/header_config.rs"]
mod header_config;

#[test]
fn committed_header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = header_config::header_config(crate_dir).expect("ffi/cbindgen.toml is readable");
    let bindings = cbindgen::generate_with_config(crate_dir, config).expect("cbindgen runs");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("the header is UTF-8");
    let committed = std::fs::read_to_string(crate_dir.join("../include/testrelay.h"))
        .expect("include/testrelay.h exists");
    assert!(
        generated == committed,
        "include/testrelay.h is out of date; regenerate it with \
         `cargo run -p testrelay-ffi --example gen_header` and commit it"
    );
}

#[test]
fn header_carries_abi_version_and_banner() {
    let header = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/testrelay.h"),
    )
    .expect("include/testrelay.h exists");
    assert!(header.starts_with("/*\n * testrelay.h: the C ABI of testrelay."));
    assert!(header.contains("DO NOT EDIT"));
    assert!(header.contains("#define TESTRELAY_ABI_VERSION_MAJOR 1\n"));
    assert!(header.contains("#define TESTRELAY_ABI_VERSION_MINOR 3\n"));
    assert!(header.contains("#ifndef TESTRELAY_H\n#define TESTRELAY_H\n"));
}

#[test]
fn header_version_macros_are_the_crate_version() {
    let header = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/testrelay.h"),
    )
    .expect("include/testrelay.h exists");
    for (name, value) in [
        ("TR_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("TR_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("TR_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        let line = format!("#define {name} {value}\n");
        assert!(
            header.contains(&line),
            "include/testrelay.h lacks `{}`",
            line.trim_end()
        );
    }
    // tr_version() is the same version, at run time.
    // SAFETY: tr_version returns a static NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(testrelay_ffi::tr_version()) };
    assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
}
