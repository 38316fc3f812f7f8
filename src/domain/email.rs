use std::fmt;

/// A customer's email address, trimmed and lower-cased, its domain in ASCII (punycode), so
/// that one mailbox is one account and no invisible character can make a look-alike.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Longest address SMTP allows (RFC 5321 path limit).
const MAX_LEN: usize = 254;

impl Email {
    /// Parses what a customer typed; the error is a message fit to show them.
    pub fn parse(raw: &str) -> Result<Email, String> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err("Enter your email address.".into());
        }
        if value.len() > MAX_LEN {
            return Err("That email address is too long.".into());
        }
        let invalid = || "Enter an email address like name@example.com.".to_string();
        if value.chars().any(is_invisible) {
            return Err(invalid());
        }
        let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        // "bücher.example" and "xn--bcher-kva.example" are one domain.
        let domain = idna::domain_to_ascii(domain).map_err(|_| invalid())?;
        let value = format!("{local}@{domain}");
        if value.len() > MAX_LEN {
            return Err("That email address is too long.".into());
        }
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c));
        if domain_ok && local_ok {
            Ok(Email(value))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Control, bidirectional-override and zero-width characters: invisible in a form or a list,
/// so they could make two different addresses look the same.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_normalises_a_plain_address() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn rejects_common_mistakes() {
        for bad in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "ada @example.com",
            "ada@.example.com",
            "ada@example..com",
            "a<b>@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn rejects_invisible_characters() {
        for bad in [
            "ada\u{200B}@example.com",
            "ada@exa\u{202E}mple.com",
            "ada\u{0007}@example.com",
            "\u{FEFF}ada@example.com",
            "ad\u{2066}a@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn the_domain_is_kept_in_ascii() {
        assert_eq!(
            Email::parse("Ada@Bücher.Example").unwrap().as_str(),
            "ada@xn--bcher-kva.example"
        );
        assert_eq!(
            Email::parse("ada@xn--bcher-kva.example").unwrap(),
            Email::parse("ada@bücher.example").unwrap()
        );
    }

    #[test]
    fn rejects_overlong_addresses() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    proptest! {
        #[test]
        fn well_formed_addresses_parse(local in "[a-z0-9._+-]{1,30}", domain in "[a-z0-9-]{1,20}", tld in "[a-z]{2,6}") {
            let address = format!("{local}@{domain}.{tld}");
            let parsed = Email::parse(&address).unwrap();
            prop_assert_eq!(parsed.as_str(), address.as_str());
        }

        #[test]
        fn strings_without_an_at_sign_never_parse(s in "[^@]{0,60}") {
            prop_assert!(Email::parse(&s).is_err());
        }
    }
}
