//! The README's configuration block is the real default configuration:
//! every key, every value.

use testrelay::Config;

#[test]
fn readme_lists_every_default_exactly() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md at the repository root");
    let section = readme
        .split_once("## Configuration")
        .expect("a Configuration section")
        .1;
    let block = section
        .split_once("```json\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a json block in the Configuration section")
        .0;
    let documented: serde_json::Value = serde_json::from_str(block).expect("valid JSON");
    let actual = serde_json::to_value(Config::default()).unwrap();
    assert_eq!(documented, actual);
}
