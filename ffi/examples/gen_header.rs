//! Writes the C header `include/testrelay.h` from the ffi crate's source
//! with cbindgen: `cargo run -p testrelay-ffi --example gen_header`.

use std::path::Path;

#[path = "../build-support/header_config.rs"]
mod header_config;

fn main() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header = crate_dir.join("../include/testrelay.h");
    match header_config::generate_header(crate_dir) {
        Ok(text) => {
            if let Err(e) = std::fs::write(&header, text) {
                eprintln!("gen_header: writing {} failed: {e}", header.display());
                std::process::exit(1);
            }
            println!("wrote {}", header.display());
        }
        Err(e) => {
            eprintln!("gen_header: {e}");
            std::process::exit(1);
        }
    }
}
