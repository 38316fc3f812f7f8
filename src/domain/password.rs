use std::fmt;

/// A password as typed at sign-up: long enough, not absurdly long. Never printed.
pub struct Password(String);

/// NIST SP 800-63B: at least 8 characters; we ask for 10.
pub const MIN_CHARS: usize = 10;
/// Bounds the hashing work an attacker can ask for.
pub const MAX_CHARS: usize = 128;

impl Password {
    /// Parses a new password; the error is a message fit to show the customer.
    pub fn parse(raw: String) -> Result<Password, String> {
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(format!(
                "Use at least {MIN_CHARS} characters for your password."
            ));
        }
        if chars > MAX_CHARS {
            return Err(format!(
                "Use at most {MAX_CHARS} characters for your password."
            ));
        }
        if raw.trim().is_empty() {
            return Err("Your password can't be only spaces.".into());
        }
        Ok(Password(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn enforces_bounds() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse(" ".repeat(12)).is_err());
        assert!(Password::parse("x".repeat(MAX_CHARS + 1)).is_err());
        assert!(Password::parse("correct horse".into()).is_ok());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = Password::parse("correct horse battery".into()).unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    proptest! {
        #[test]
        fn length_decides(s in "\\PC{0,140}") {
            let n = s.chars().count();
            let ok = (MIN_CHARS..=MAX_CHARS).contains(&n) && !s.trim().is_empty();
            prop_assert_eq!(Password::parse(s).is_ok(), ok);
        }
    }
}
