//! Where the configuration is written down outside `config.rs`, it is the
//! real one: the block of docs/configuration.md (every key, every value)
//! and the Node package's `ReporterOptions` type (every key, in camelCase).

use testrelay::Config;

#[test]
fn docs_list_every_default_exactly() {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/configuration.md"
    ))
    .expect("docs/configuration.md");
    let section = page
        .split_once("# Configuration\n")
        .expect("a Configuration title")
        .1;
    let block = section
        .split_once("```json\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a json block in the Configuration page")
        .0;
    let documented: serde_json::Value = serde_json::from_str(block).expect("valid JSON");
    let actual = serde_json::to_value(Config::default()).unwrap();
    assert_eq!(documented, actual);
}

fn camel_case(key: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn node_reporter_options_type_every_key() {
    let types = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../node/types.d.ts"))
        .expect("node/types.d.ts");
    let options = types
        .split_once("export interface ReporterOptions {")
        .and_then(|(_, rest)| rest.split_once("\n}"))
        .expect("a ReporterOptions interface")
        .0;
    let declared: Vec<&str> = options
        .lines()
        .filter_map(|l| l.trim().split_once('?').map(|(name, _)| name))
        .collect();
    let actual = serde_json::to_value(Config::default()).unwrap();
    let missing: Vec<String> = actual
        .as_object()
        .unwrap()
        .keys()
        .map(|k| camel_case(k))
        .filter(|k| !declared.contains(&k.as_str()))
        .collect();
    assert!(missing.is_empty(), "ReporterOptions lacks {missing:?}");
}
