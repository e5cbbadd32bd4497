//! The cbindgen configuration of `include/testrelay.h`, shared by the
//! `gen_header` example that writes it and the test that checks it:
//! `ffi/cbindgen.toml` plus the version macros `TR_VERSION_MAJOR`,
//! `TR_VERSION_MINOR` and `TR_VERSION_PATCH`, taken from this crate's version
//! (the workspace's one version), so bumping it makes the committed header
//! stale until it is regenerated.

use std::path::Path;

/// Reads `cbindgen.toml` in `crate_dir` and adds the version macros after
/// the `#include` lines. Errors with cbindgen's message when the file is
/// unreadable or invalid.
pub fn header_config(crate_dir: &Path) -> Result<cbindgen::Config, String> {
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))?;
    let macros = format!(
        "\n// The version of testrelay this header comes from (tr_version() returns\n\
         // the library's at run time).\n\
         #define TR_VERSION_MAJOR {}\n\
         #define TR_VERSION_MINOR {}\n\
         #define TR_VERSION_PATCH {}",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    );
    config.after_includes = Some(match config.after_includes.take() {
        Some(existing) => format!("{existing}\n{macros}"),
        None => macros,
    });
    Ok(config)
}
