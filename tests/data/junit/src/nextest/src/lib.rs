//! Sample tests covering the outcomes cargo-nextest reports.

/// Adds two numbers.
pub fn add(a: i32, b: i32) -> i32 {
    a + b
}

#[cfg(test)]
mod tests {
    use super::add;

    #[test]
    fn adds_small_numbers() {
        println!("adding 2 and 2");
        assert_eq!(add(2, 2), 4);
    }

    #[test]
    fn reports_a_wrong_sum() {
        println!("about to compare sums");
        eprintln!("this goes to stderr");
        assert_eq!(add(2, 2), 5, "sums differ");
    }

    #[test]
    fn panics_with_a_message() {
        let items: Vec<u8> = Vec::new();
        if items.is_empty() {
            panic!("no items to process: <none> & nothing");
        }
    }

    #[test]
    #[should_panic(expected = "overflow")]
    fn expected_panic_passes() {
        panic!("overflow detected");
    }

    #[test]
    #[ignore = "needs a database"]
    fn ignored_test() {
        assert_eq!(add(1, 1), 2);
    }

    #[test]
    fn prints_unicode_and_control() {
        println!("héllo wörld ✓ \u{1b}[32mgreen\u{1b}[0m");
    }
}
