//! The committed C header matches what cbindgen generates from the source.

use std::path::Path;

#[path = "../build-support/header_config.rs"]
mod header_config;

#[test]
fn committed_header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = match header_config::generate_header(crate_dir) {
        Ok(text) => text,
        Err(e) => panic!("generating the header failed: {e}"),
    };
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

#[test]
fn header_reads_in_the_order_a_user_meets_it() {
    let header = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/testrelay.h"),
    )
    .expect("include/testrelay.h exists");
    // The preamble says what `const` on a handle means and the argument order.
    let preamble = &header[..header.find("#ifndef").expect("include guard")];
    assert!(preamble.contains("shareable across threads"));
    assert!(preamble.contains("`user_data` last"));
    // The banners, in order: versions, types, then the function sections.
    let titles = ["// Versions:", "// Types:"]
        .into_iter()
        .map(str::to_string)
        .chain(
            header_config::SECTIONS
                .iter()
                .map(|(title, _)| format!("// {title}")),
        );
    let mut from = 0;
    for title in titles {
        let at = header[from..]
            .find(&format!("\n{title}"))
            .unwrap_or_else(|| panic!("no banner `{title}` after byte {from}"));
        from += at + title.len();
    }
    let sections: Vec<&str> = header_config::SECTIONS
        .iter()
        .map(|(title, _)| title.split(':').next().unwrap_or(title))
        .collect();
    assert_eq!(
        sections,
        [
            "Version and status",
            "Strings",
            "Reporter",
            "History",
            "Parsing",
            "Detection"
        ]
    );
    // tr_history_free is declared right after tr_history_open.
    let open = header
        .find("tr_history_open(const char")
        .expect("tr_history_open");
    let free = header
        .find("void tr_history_free(")
        .expect("tr_history_free");
    let runs = header.find("tr_history_runs(").expect("tr_history_runs");
    assert!(open < free && free < runs);
}

#[test]
fn a_function_in_no_section_or_out_of_order_is_an_error() {
    let header = "enum tr_status tr_version(void);\nvoid tr_new_thing(void);\n";
    let error = header_config::with_sections(header).expect_err("tr_new_thing has no section");
    assert!(error.contains("tr_new_thing is in no section"), "{error}");
    let mut names: Vec<&str> = header_config::SECTIONS
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .collect();
    names.swap(0, 1);
    let swapped: String = names.iter().map(|n| format!("void {n}(void);\n")).collect();
    let error = header_config::with_sections(&swapped).expect_err("out of order");
    assert!(error.contains("not in the order of SECTIONS"), "{error}");
}
