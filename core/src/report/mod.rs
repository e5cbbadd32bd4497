//! Reports: JUnit XML in and out, JSON (CTRF and TestRunResult), Markdown,
//! HTML, and the merging of shard reports.

pub mod aggregate;
pub mod html;
pub mod json;
pub mod junit;
pub mod junit_writer;
pub mod markdown;
