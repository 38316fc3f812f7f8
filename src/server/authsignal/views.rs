//! Maps Authsignal's responses to the page's view types: words, not wire values, and nothing
//! secret (no tokens, no credential ids).

use authsignal::{GetUserResponse, UserAuthenticator, VerificationMethod};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::OffsetDateTime;

use crate::model::security::{AuthenticatorView, SecurityStatus};

/// A verification method in words a customer understands.
pub fn method_words(method: &VerificationMethod) -> String {
    match method {
        VerificationMethod::EmailOtp => "Email".into(),
        VerificationMethod::EmailMagicLink => "Email link".into(),
        VerificationMethod::Sms => "SMS".into(),
        VerificationMethod::AuthenticatorApp => "Authenticator app".into(),
        VerificationMethod::Passkey => "Passkey".into(),
        VerificationMethod::SecurityKey => "Security key".into(),
        VerificationMethod::Whatsapp => "WhatsApp".into(),
        VerificationMethod::RecoveryCode => "Recovery codes".into(),
        VerificationMethod::Push => "Push notification".into(),
        other => title_case(other.as_str()),
    }
}

fn title_case(wire: &str) -> String {
    let lower = wire.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// "23 Nov 2026" from an ISO-8601 timestamp; the raw text if it doesn't parse.
pub fn date_words(iso: &str) -> String {
    OffsetDateTime::parse(iso, &Rfc3339)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year]"
            ))
            .ok()
        })
        .unwrap_or_else(|| iso.to_string())
}

/// "23 Nov 2026, 14:05 UTC" from unix seconds.
pub fn unix_time_words(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .map(|iso| date_time_words(&iso))
        .unwrap_or_default()
}

/// "23 Nov 2026, 14:05 UTC" from an ISO-8601 timestamp.
pub fn date_time_words(iso: &str) -> String {
    OffsetDateTime::parse(iso, &Rfc3339)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| iso.to_string())
}

fn detail(a: &UserAuthenticator) -> Option<String> {
    let passkey_name = a.webauthn_credential.as_ref().and_then(|c| {
        c.aaguid_mapping
            .as_ref()
            .and_then(|m| m.name.clone())
            .filter(|n| !n.is_empty())
            .or_else(|| c.name.clone().filter(|n| !n.is_empty()))
    });
    a.email
        .clone()
        .or_else(|| a.phone_number.clone())
        .or(passkey_name)
        .or_else(|| a.display_name.clone())
}

/// "Email (ada@example.com)", for messages and the activity log.
/// An email or phone number as a page may show it to whoever holds the browser mid-sign-in:
/// "a•••@example.com", "•••0123".
pub fn masked_address(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => {
            let digits: Vec<char> = address.chars().filter(char::is_ascii_digit).collect();
            let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
            format!("•••{last}")
        }
    }
}

pub fn describe(a: &UserAuthenticator) -> String {
    match detail(a) {
        Some(d) => format!("{} ({d})", method_words(&a.verification_method)),
        None => method_words(&a.verification_method),
    }
}

fn icon(a: &UserAuthenticator) -> Option<String> {
    let mapping = a.webauthn_credential.as_ref()?.aaguid_mapping.as_ref()?;
    mapping
        .svg_icon_light
        .clone()
        .filter(|i| i.starts_with("data:image/"))
}

/// The section's status from `getUser` and `getAuthenticators`.
pub fn status(user: &GetUserResponse, authenticators: &[UserAuthenticator]) -> SecurityStatus {
    let default_method = user.default_verification_method.as_ref();
    let default_index = authenticators
        .iter()
        .position(|a| Some(&a.verification_method) == default_method);
    let authenticators = authenticators
        .iter()
        .enumerate()
        .map(|(i, a)| AuthenticatorView {
            id: a.user_authenticator_id.clone(),
            method: method_words(&a.verification_method),
            detail: detail(a),
            icon: icon(a),
            added: date_words(&a.created_at),
            last_used: a.last_verified_at.as_deref().map(date_words),
            is_default: Some(i) == default_index,
        })
        .collect();
    SecurityStatus::Ready {
        enrolled: user.is_enrolled,
        authenticators,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn addresses_are_masked_to_a_hint() {
        assert_eq!(super::masked_address("ada@example.com"), "a•••@example.com");
        assert_eq!(super::masked_address("+14155550123"), "•••0123");
        assert_eq!(super::masked_address("@x"), "•••@x");
        assert_eq!(super::masked_address("12"), "•••12");
    }

    use crate::server::authsignal::views::*;

    #[test]
    fn methods_read_as_words() {
        assert_eq!(method_words(&VerificationMethod::EmailOtp), "Email");
        assert_eq!(
            method_words(&VerificationMethod::AuthenticatorApp),
            "Authenticator app"
        );
        assert_eq!(
            method_words(&VerificationMethod::Unknown("PALM_SCAN".into())),
            "Palm scan"
        );
    }

    #[test]
    fn dates_read_as_words() {
        assert_eq!(date_words("2026-11-23T03:51:40.123Z"), "23 Nov 2026");
        assert_eq!(
            date_time_words("2026-11-03T14:05:00+00:00"),
            "3 Nov 2026, 14:05 UTC"
        );
        assert_eq!(date_words("not a date"), "not a date");
    }

    #[test]
    fn the_default_method_is_marked_once_and_details_say_what_it_is_for() {
        let user: GetUserResponse = serde_json::from_value(serde_json::json!({
            "isEnrolled": true, "defaultVerificationMethod": "EMAIL_OTP"
        }))
        .unwrap();
        let auths: Vec<UserAuthenticator> = serde_json::from_value(serde_json::json!([
            {"userAuthenticatorId": "a1", "verificationMethod": "SMS", "createdAt": "2026-11-01T00:00:00Z", "phoneNumber": "+64211234567"},
            {"userAuthenticatorId": "a2", "verificationMethod": "EMAIL_OTP", "createdAt": "2026-11-02T00:00:00Z", "email": "ada@example.com", "lastVerifiedAt": "2026-11-03T00:00:00Z"},
            {"userAuthenticatorId": "a3", "verificationMethod": "PASSKEY", "createdAt": "2026-11-02T00:00:00Z",
             "webauthnCredential": {"name": "Chrome on Mac", "aaguidMapping": {"name": "Google Password Manager", "svgIconLight": "data:image/svg+xml;base64,AAAA"}}}
        ])).unwrap();
        let SecurityStatus::Ready {
            enrolled,
            authenticators,
        } = status(&user, &auths)
        else {
            panic!()
        };
        assert!(enrolled);
        assert_eq!(authenticators.iter().filter(|a| a.is_default).count(), 1);
        assert!(authenticators[1].is_default);
        assert_eq!(authenticators[0].detail.as_deref(), Some("+64211234567"));
        assert_eq!(authenticators[1].last_used.as_deref(), Some("3 Nov 2026"));
        assert_eq!(
            authenticators[2].detail.as_deref(),
            Some("Google Password Manager")
        );
        assert!(authenticators[2].icon.is_some());
    }
}
