//! The configuration reader on arbitrary text: never panics; a
//! configuration it accepts is valid, serializes without its token and
//! reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(config) = testrelay::Config::from_json(text) {
        config
            .validate()
            .expect("an accepted configuration is valid");
        let json = serde_json::to_string(&config).expect("serializes");
        if config.api_token.is_some() {
            let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            assert_eq!(value["api_token"], "***", "the token shows in {json}");
        } else {
            let again = testrelay::Config::from_json(&json).expect("reads back");
            assert_eq!(again, config);
        }
    }
});
