//! HTTP plumbing shared by every vendor module: the reply type, query
//! strings, percent-encoding, GitHub's `Link` pagination, timestamps and
//! base64.

use std::time::{SystemTime, UNIX_EPOCH};

/// One HTTP response the simulator is about to send. Header names are kept
/// lowercase; `set_header` replaces a header of the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The `content-type` of every JSON reply.
pub(crate) const JSON_TYPE: &str = "application/json; charset=utf-8";

impl Reply {
    /// A JSON reply with the given status.
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::bytes(status, JSON_TYPE, value.to_string().into_bytes())
    }

    /// A reply carrying `body` as `content_type`.
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body,
        }
    }

    /// Sets `name` to `value`, replacing any header of that name.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.into()));
    }

    /// The value of header `name` (case-insensitive), if set.
    #[cfg(test)]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits a request target into its path (still percent-encoded) and its
/// decoded query pairs, in order.
pub(crate) fn split_target(target: &str) -> (String, Vec<(String, String)>) {
    let target = target.split('#').next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    (path.to_owned(), parse_query(query))
}

/// Splits an absolute-form request target (`http://host:1/a?b`) into its
/// origin (`http://host:1`) and the origin-form rest (`/a?b`); an
/// origin-form target comes back whole with no origin.
pub(crate) fn split_absolute_form(target: &str) -> (Option<String>, &str) {
    for scheme in ["http://", "https://"] {
        if let Some(after) = target.strip_prefix(scheme) {
            let end = after.find(['/', '?']).unwrap_or(after.len());
            let rest = &after[end..];
            let origin = format!("{scheme}{}", &after[..end]);
            return (Some(origin), if rest.is_empty() { "/" } else { rest });
        }
    }
    (None, target)
}

/// Decodes an `application/x-www-form-urlencoded` query string.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// The first value of query parameter `name`.
pub(crate) fn query_value<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_as_space`); a
/// malformed escape is kept literally and invalid UTF-8 is replaced.
pub(crate) fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi * 16 + lo);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// GitHub's page size when the request names none.
pub(crate) const DEFAULT_PER_PAGE: usize = 30;
/// The largest page size GitHub honours; larger requests get this many.
pub(crate) const MAX_PER_PAGE: usize = 100;

/// One page of a list: the item range to return and the `Link` header value
/// (absent when everything fits on one page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    pub start: usize,
    pub end: usize,
    pub link: Option<String>,
}

/// Pages `total` items by the request's `per_page` (default 30, at most 100)
/// and `page` (default 1) parameters, the way GitHub does: links to `prev`,
/// `next`, `last` and `first`, keeping every other query parameter as sent.
pub(crate) fn paginate(
    total: usize,
    base_url: &str,
    path: &str,
    query: &[(String, String)],
) -> Page {
    let positive = |name: &str| {
        query_value(query, name)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
    };
    let per_page = positive("per_page").map_or(DEFAULT_PER_PAGE, |n| n.min(MAX_PER_PAGE));
    let page = positive("page").unwrap_or(1);
    let last = total.div_ceil(per_page).max(1);
    let start = page.saturating_sub(1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);

    let kept: Vec<String> = query
        .iter()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect();
    let link_to = |n: usize| {
        let mut params = kept.clone();
        params.push(format!("page={n}"));
        format!("<{base_url}{path}?{}>", params.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", link_to((page - 1).min(last))));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
        links.push(format!("{}; rel=\"last\"", link_to(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", link_to(1)));
    }
    Page {
        start,
        end,
        link: (!links.is_empty()).then(|| links.join(", ")),
    }
}

/// Seconds since the Unix epoch, now (0 if the clock is before 1970).
pub(crate) fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Milliseconds since the Unix epoch, now (0 if the clock is before 1970).
pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `epoch` seconds as an ISO 8601 UTC timestamp, `YYYY-MM-DDTHH:MM:SSZ`,
/// the format GitHub uses in every `*_at` field.
pub(crate) fn iso8601(epoch: u64) -> String {
    let (year, month, day) = civil_date(epoch / 86_400);
    let secs = epoch % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `millis` since the epoch as an ISO 8601 UTC timestamp with
/// milliseconds, `YYYY-MM-DDTHH:MM:SS.mmmZ`, the format GitLab uses.
pub(crate) fn iso8601_millis(millis: u64) -> String {
    let seconds = iso8601(millis / 1000);
    format!("{}.{:03}Z", seconds.trim_end_matches('Z'), millis % 1000)
}

/// `epoch` seconds as an HTTP date (RFC 9110 IMF-fixdate),
/// `Tue, 05 Jan 2021 11:00:00 GMT`.
pub(crate) fn http_date(epoch: u64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = epoch / 86_400;
    let (year, month, day) = civil_date(days);
    let secs = epoch % 86_400;
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The civil date (year, month 1..=12, day) of `days` since 1970-01-01.
fn civil_date(days: u64) -> (u64, u64, u64) {
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Standard base64 with padding.
pub(crate) fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional); `None` when malformed.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Six leftover bits cannot come from whole bytes.
    (bits < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_target_decodes_query_pairs() {
        let (path, query) = split_target("/a%20b/c?x=1&y=a+b%2Fc&flag&=v");
        assert_eq!(path, "/a%20b/c");
        assert_eq!(
            query,
            vec![
                ("x".to_owned(), "1".to_owned()),
                ("y".to_owned(), "a b/c".to_owned()),
                ("flag".to_owned(), String::new()),
                (String::new(), "v".to_owned()),
            ]
        );
    }

    #[test]
    fn split_absolute_form_takes_the_origin_off() {
        assert_eq!(
            split_absolute_form("http://api.bitbucket.org/2.0/x?y=1"),
            (Some("http://api.bitbucket.org".to_owned()), "/2.0/x?y=1")
        );
        assert_eq!(
            split_absolute_form("http://h:8080"),
            (Some("http://h:8080".to_owned()), "/")
        );
        assert_eq!(split_absolute_form("/2.0/x"), (None, "/2.0/x"));
    }

    #[test]
    fn percent_decode_keeps_malformed_escapes() {
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%41", false), "%zzA");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("%2", false), "%2");
    }

    #[test]
    fn percent_encode_round_trips() {
        let s = "v1.0+build/ä ~x";
        assert_eq!(percent_encode(s), "v1.0%2Bbuild%2F%C3%A4%20~x");
        assert_eq!(percent_decode(&percent_encode(s), false), s);
    }

    #[test]
    fn paginate_first_middle_last_and_beyond() {
        let q = |s: &str| parse_query(s);
        let first = paginate(250, "http://h", "/l", &q("per_page=100"));
        assert_eq!((first.start, first.end), (0, 100));
        assert_eq!(
            first.link.as_deref(),
            Some(
                "<http://h/l?per_page=100&page=2>; rel=\"next\", \
                 <http://h/l?per_page=100&page=3>; rel=\"last\""
            )
        );
        let middle = paginate(250, "http://h", "/l", &q("page=2&per_page=100"));
        assert_eq!((middle.start, middle.end), (100, 200));
        assert_eq!(
            middle.link.as_deref(),
            Some(
                "<http://h/l?per_page=100&page=1>; rel=\"prev\", \
                 <http://h/l?per_page=100&page=3>; rel=\"next\", \
                 <http://h/l?per_page=100&page=3>; rel=\"last\", \
                 <http://h/l?per_page=100&page=1>; rel=\"first\""
            )
        );
        let last = paginate(250, "http://h", "/l", &q("per_page=100&page=3"));
        assert_eq!((last.start, last.end), (200, 250));
        assert!(!last.link.as_deref().unwrap_or("").contains("rel=\"next\""));
        let beyond = paginate(250, "http://h", "/l", &q("per_page=100&page=9"));
        assert_eq!((beyond.start, beyond.end), (250, 250));
    }

    #[test]
    fn paginate_defaults_and_clamps() {
        let d = paginate(31, "http://h", "/l", &[]);
        assert_eq!((d.start, d.end), (0, 30));
        assert_eq!(
            d.link.as_deref(),
            Some("<http://h/l?page=2>; rel=\"next\", <http://h/l?page=2>; rel=\"last\"")
        );
        let big = paginate(500, "http://h", "/l", &parse_query("per_page=1000"));
        assert_eq!((big.start, big.end), (0, 100));
        let none = paginate(0, "http://h", "/l", &[]);
        assert_eq!((none.start, none.end, none.link), (0, 0, None));
    }

    #[test]
    fn iso8601_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn millis_and_http_dates() {
        assert_eq!(
            iso8601_millis(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(iso8601_millis(5), "1970-01-01T00:00:00.005Z");
        assert_eq!(http_date(1_609_844_400), "Tue, 05 Jan 2021 11:00:00 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn base64_decode_round_trips() {
        for input in [
            "",
            "f",
            "fo",
            "foo",
            "foob",
            "fooba",
            "foobar",
            "gitlab-ci-token:x",
        ] {
            assert_eq!(
                base64_decode(&base64(input.as_bytes())).as_deref(),
                Some(input.as_bytes())
            );
        }
        assert_eq!(base64_decode("Zm9v").as_deref(), Some(&b"foo"[..]));
        assert_eq!(base64_decode("Zg").as_deref(), Some(&b"f"[..]));
        assert_eq!(base64_decode("Z"), None);
        assert_eq!(base64_decode("Zm9v!"), None);
    }

    #[test]
    fn set_header_replaces_case_insensitively() {
        let mut r = Reply::json(200, &serde_json::json!({}));
        r.set_header("Retry-After", "1");
        r.set_header("retry-after", "2");
        assert_eq!(r.header("RETRY-AFTER"), Some("2"));
        assert_eq!(r.headers.len(), 2);
    }
}
