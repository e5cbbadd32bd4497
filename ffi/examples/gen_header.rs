//! Writes the C header `include/testrelay.h` from the ffi crate's source
//! with cbindgen: `cargo run -p testrelay-ffi --example gen_header`.

use std::path::Path;

#[path = "../build-support/header_config.rs"]
mod header_config;

fn main() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = match header_config::header_config(crate_dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gen_header: reading ffi/cbindgen.toml failed: {e}");
            std::process::exit(1);
        }
    };
    let header = crate_dir.join("../include/testrelay.h");
    match cbindgen::generate_with_config(crate_dir, config) {
        Ok(bindings) => {
            bindings.write_to_file(&header);
            println!("wrote {}", header.display());
        }
        Err(e) => {
            eprintln!("gen_header: cbindgen failed: {e}");
            std::process::exit(1);
        }
    }
}
