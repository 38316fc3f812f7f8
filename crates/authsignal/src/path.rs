//! Building endpoint URLs from a base URL and percent-encoded path segments.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::Error;

/// Everything except RFC 3986 "unreserved" characters is encoded, so `:`, `@`, `/`, `?`, `#`
/// and `%` inside an id can never change the route.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Joins `base` (no trailing slash) with each segment percent-encoded.
///
/// Empty, `.` and `..` segments are refused: URL parsers resolve dot segments even when
/// encoded (`%2E%2E`), so a user id of `..` would otherwise reach a different endpoint.
pub(crate) fn endpoint_url(base: &str, segments: &[(&'static str, &str)]) -> Result<String, Error> {
    let mut url = String::with_capacity(base.len() + 64);
    url.push_str(base);
    for (name, segment) in segments {
        if segment.is_empty() || *segment == "." || *segment == ".." {
            return Err(Error::InvalidRequest {
                reason: format!("`{name}` must not be empty, \".\" or \"..\""),
            });
        }
        url.push('/');
        url.extend(utf8_percent_encode(segment, PATH_SEGMENT));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_characters_in_segments() {
        let url = endpoint_url(
            "http://h/v1",
            &[("", "users"), ("user_id", "shop:42@x/?#%é")],
        )
        .expect("valid segments");
        assert_eq!(url, "http://h/v1/users/shop%3A42%40x%2F%3F%23%25%C3%A9");
    }

    #[test]
    fn keeps_unreserved_characters() {
        let url = endpoint_url("http://h", &[("id", "a-b.c_d~e")]).expect("valid segment");
        assert_eq!(url, "http://h/a-b.c_d~e");
    }

    #[test]
    fn refuses_dot_and_empty_segments() {
        for bad in ["", ".", ".."] {
            let err = endpoint_url("http://h", &[("user_id", bad)]).expect_err("must refuse");
            assert!(
                matches!(err, Error::InvalidRequest { .. }),
                "{bad:?} gave {err:?}"
            );
        }
    }
}
