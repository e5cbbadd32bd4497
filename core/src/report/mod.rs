//! Reports: JUnit XML in and out, JSON (CTRF and TestRunResult), Markdown,
//! HTML, and the merging of shard reports.

pub mod junit;
