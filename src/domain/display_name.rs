use std::fmt;

/// The name a customer wants to be addressed by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

const MAX_CHARS: usize = 80;

impl DisplayName {
    /// Parses what a customer typed; the error is a message fit to show them.
    pub fn parse(raw: &str) -> Result<DisplayName, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("Enter your name.".into());
        }
        if value.chars().count() > MAX_CHARS {
            return Err(format!("Your name can be at most {MAX_CHARS} characters."));
        }
        // Control characters would corrupt logs and pages; markup characters are escaped anyway.
        if value.chars().any(char::is_control) {
            return Err("Your name contains characters we can't store.".into());
        }
        Ok(DisplayName(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::DisplayName;
    use proptest::prelude::*;

    #[test]
    fn trims_and_keeps_unicode() {
        assert_eq!(
            DisplayName::parse("  Zoë Ångström ").unwrap().as_str(),
            "Zoë Ångström"
        );
    }

    #[test]
    fn rejects_empty_long_and_control() {
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"x".repeat(81)).is_err());
        assert!(DisplayName::parse("Ada\u{0}Lovelace").is_err());
        assert!(DisplayName::parse(&"é".repeat(80)).is_ok());
    }

    proptest! {
        #[test]
        fn any_printable_name_up_to_the_limit_parses(name in "[\\p{L} .'-]{1,80}") {
            prop_assume!(!name.trim().is_empty());
            let parsed = DisplayName::parse(&name).unwrap();
            prop_assert_eq!(parsed.as_str(), name.trim());
        }
    }
}
