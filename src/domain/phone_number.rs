//! A phone number as Authsignal stores it (E.164), parsed from what people type.

/// A phone number in E.164 form (`+` and 8–15 digits), the way Authsignal stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<PhoneNumber, String> {
        // Spreadsheets and people add spaces, dashes and brackets; E.164 has none.
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        let digits = compact.strip_prefix('+').unwrap_or("");
        let valid = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(PhoneNumber(compact))
        } else {
            Err(format!(
                "{:?} is not a phone number in E.164 form (e.g. +14155550123)",
                raw.trim()
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
