//! JUnit XML: the streaming, lenient reader (see [`reader`]).

pub mod reader;

pub use reader::{
    JunitReport, MAX_DEPTH, MAX_MARKUP_BYTES, TEXT_LIMIT_BYTES, for_each_case, parse_file,
    parse_reader, truncation_marker,
};
