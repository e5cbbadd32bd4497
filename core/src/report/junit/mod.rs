//! JUnit XML: the streaming, lenient [`reader`] (every real dialect) and the
//! strict [`writer`] (valid against the JUnit schema).

pub mod reader;
pub mod writer;

pub use crate::config::JunitProfile;
pub use reader::{
    JunitReport, MAX_DEPTH, MAX_MARKUP_BYTES, TEXT_LIMIT_BYTES, for_each_case, parse_file,
    parse_reader, truncation_marker,
};
pub use writer::{JunitStream, write_junit, write_junit_with};
