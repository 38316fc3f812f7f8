//! Values that parse, not validate: once built they are known to be well-formed.

use std::fmt;

use time::Duration;

/// An email address good enough to deliver a code to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Email(String);

impl Email {
    pub(crate) fn parse(raw: &str) -> Result<Email, String> {
        let trimmed = raw.trim();
        let invalid = || format!("\"{trimmed}\" is not a valid email address.");
        if trimmed.is_empty()
            || trimmed.len() > 254
            || trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(trimmed.to_owned()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in E.164 form: `+` then 8 to 15 digits, no leading zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PhoneNumber(String);

impl PhoneNumber {
    pub(crate) fn parse(raw: &str) -> Result<PhoneNumber, String> {
        // People type spaces, dashes and brackets; E.164 has none of them.
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        let digits = compact.strip_prefix('+').unwrap_or("");
        let ok = (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(PhoneNumber(compact))
        } else {
            Err(format!(
                "\"{}\" is not a valid phone number in E.164 format (e.g. +14155550123).",
                raw.trim()
            ))
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// An action code as Authsignal accepts it: `^[a-zA-Z0-9_-]{1,64}$`.
pub(crate) fn is_valid_action_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The verification methods the sandbox can hold. Others are refused at enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    EmailOtp,
    EmailMagicLink,
    Sms,
    AuthenticatorApp,
    Passkey,
}

impl Method {
    /// What the pre-built UI offers to enroll, in display order.
    pub(crate) const UI_ENROLLABLE: [Method; 4] = [
        Method::EmailOtp,
        Method::Sms,
        Method::AuthenticatorApp,
        Method::Passkey,
    ];

    pub(crate) fn parse(raw: &str) -> Option<Method> {
        match raw {
            "EMAIL_OTP" => Some(Method::EmailOtp),
            "EMAIL_MAGIC_LINK" => Some(Method::EmailMagicLink),
            "SMS" => Some(Method::Sms),
            "AUTHENTICATOR_APP" => Some(Method::AuthenticatorApp),
            "PASSKEY" => Some(Method::Passkey),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::EmailOtp => "EMAIL_OTP",
            Method::EmailMagicLink => "EMAIL_MAGIC_LINK",
            Method::Sms => "SMS",
            Method::AuthenticatorApp => "AUTHENTICATOR_APP",
            Method::Passkey => "PASSKEY",
        }
    }

    /// The button / list label in the pre-built UI (contract names).
    pub(crate) fn label(self) -> &'static str {
        match self {
            Method::EmailOtp => "Email",
            Method::EmailMagicLink => "Email link",
            Method::Sms => "SMS",
            Method::AuthenticatorApp => "Authenticator app",
            Method::Passkey => "Passkey",
        }
    }

    /// Email and SMS codes go through the outbox; an authenticator app makes its own and a
    /// passkey needs none.
    pub(crate) fn outbox_channel(self) -> Option<&'static str> {
        match self {
            Method::EmailOtp | Method::EmailMagicLink => Some("EMAIL"),
            Method::Sms => Some("SMS"),
            Method::AuthenticatorApp | Method::Passkey => None,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every action state Authsignal knows.
pub(crate) const ACTION_STATES: [&str; 8] = [
    "ALLOW",
    "BLOCK",
    "CHALLENGE_REQUIRED",
    "CHALLENGE_SUCCEEDED",
    "CHALLENGE_FAILED",
    "REVIEW_REQUIRED",
    "REVIEW_SUCCEEDED",
    "REVIEW_FAILED",
];

pub(crate) const CHALLENGE_SUCCEEDED: &str = "CHALLENGE_SUCCEEDED";
pub(crate) const CHALLENGE_REQUIRED: &str = "CHALLENGE_REQUIRED";
pub(crate) const ALLOW: &str = "ALLOW";
pub(crate) const BLOCK: &str = "BLOCK";
pub(crate) const REVIEW_REQUIRED: &str = "REVIEW_REQUIRED";

/// Whether the pre-built UI may take an action further: never once it is blocked or is
/// (or was) up for review, or the user could turn it into `CHALLENGE_SUCCEEDED`.
pub(crate) fn ui_may_continue(state: &str) -> bool {
    matches!(
        state,
        "ALLOW" | "CHALLENGE_REQUIRED" | "CHALLENGE_SUCCEEDED" | "CHALLENGE_FAILED"
    )
}

/// What a token lets the pre-built UI do without a fresh challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permission {
    Add,
    Remove,
    Update,
}

impl Permission {
    pub(crate) fn scope(self) -> &'static str {
        match self {
            Permission::Add => "add:authenticators",
            Permission::Remove => "remove:authenticators",
            Permission::Update => "update:authenticators",
        }
    }
}

/// Authsignal's default when track sends no scope.
pub(crate) const DEFAULT_SCOPE: &str = "read:authenticators";

pub(crate) fn scope_grants(scope: &str, permission: Permission) -> bool {
    scope.split_whitespace().any(|s| s == permission.scope())
}

/// Whether the scope lets the UI skip the challenge and open the settings screen.
pub(crate) fn scope_bypasses_challenge(scope: &str) -> bool {
    [Permission::Add, Permission::Remove, Permission::Update]
        .iter()
        .any(|p| scope_grants(scope, *p))
}

/// How long after a challenge in the UI the user may change their authenticators.
pub(crate) const BINDING_WINDOW: Duration = Duration::minutes(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(Email::parse("jane@example.com").is_ok());
        assert_eq!(
            Email::parse("  jane+x@mail.example.co.uk ").map(|e| e.0),
            Ok("jane+x@mail.example.co.uk".into())
        );
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "jane@ex..com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(
            PhoneNumber::parse("+64 21 555 0123").map(|p| p.0),
            Ok("+64215550123".into())
        );
        assert!(PhoneNumber::parse("+14155550123").is_ok());
        for bad in [
            "",
            "0215550123",
            "+0215550123",
            "+1234",
            "+1234567890123456",
            "+1415abc0123",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn action_codes() {
        assert!(is_valid_action_code("signIn"));
        assert!(is_valid_action_code("manage-authenticators_2"));
        assert!(is_valid_action_code(&"a".repeat(64)));
        assert!(!is_valid_action_code(&"a".repeat(65)));
        assert!(!is_valid_action_code(""));
        assert!(!is_valid_action_code("sign in"));
        assert!(!is_valid_action_code("sign.in"));
    }

    #[test]
    fn scopes() {
        let scope = "read:authenticators add:authenticators";
        assert!(scope_grants(scope, Permission::Add));
        assert!(!scope_grants(scope, Permission::Remove));
        assert!(scope_bypasses_challenge(scope));
        assert!(!scope_bypasses_challenge(DEFAULT_SCOPE));
    }
}
