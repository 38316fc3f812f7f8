//! RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30-second steps), as authenticator apps use it.
//! Codes come from totp-rs; the drift window, replay rule and otpauth URIs are the sandbox's.

use data_encoding::BASE32_NOPAD;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use totp_rs::{Algorithm, Secret, TOTP};

/// The issuer authenticator apps show for sandbox secrets.
pub(crate) const ISSUER: &str = "Authsignal Sandbox";
pub(crate) const STEP_SECONDS: i64 = 30;
const DIGITS: usize = 6;
/// Accept the previous and next step too, for clock drift and slow typing.
const ALLOWED_DRIFT_STEPS: i64 = 1;

/// A new 160-bit secret, base32 without padding (what apps expect).
pub(crate) fn generate_secret() -> String {
    // An encoded secret displays as its base32 text.
    Secret::generate_secret().to_encoded().to_string()
}

pub(crate) fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code for one time step, or None when the secret isn't valid base32.
pub(crate) fn code_at_step(secret_base32: &str, step: i64) -> Option<String> {
    // Decoded with data-encoding, not totp-rs's base32: it refuses truncated secrets
    // (e.g. one character), as the sandbox always has.
    let key = BASE32_NOPAD
        .decode(secret_base32.trim_end_matches('=').as_bytes())
        .ok()?;
    let at = u64::try_from(step.checked_mul(STEP_SECONDS)?).ok()?;
    // Unchecked: secrets imported by `otpUri` may be shorter than the 128 bits totp-rs insists on.
    let totp = TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS.unsigned_abs(), key);
    Some(totp.generate(at))
}

/// The step a submitted code belongs to, if it is valid now (±1 step) and newer than
/// `last_used_step` (so a code that was accepted once can't be replayed).
pub(crate) fn accepted_step(
    secret_base32: &str,
    submitted: &str,
    unix_seconds: i64,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let current = step_at(unix_seconds);
    (current - ALLOWED_DRIFT_STEPS..=current + ALLOWED_DRIFT_STEPS)
        .filter(|step| last_used_step.is_none_or(|used| *step > used))
        .find(|step| {
            code_at_step(secret_base32, *step)
                .is_some_and(|code| crate::otp::codes_match(&code, submitted))
        })
}

/// Whether the code is right but was already used (for a clearer message).
pub(crate) fn is_replay(
    secret_base32: &str,
    submitted: &str,
    unix_seconds: i64,
    last_used_step: Option<i64>,
) -> bool {
    accepted_step(secret_base32, submitted, unix_seconds, None).is_some()
        && accepted_step(secret_base32, submitted, unix_seconds, last_used_step).is_none()
}

/// Characters that must be escaped inside an otpauth:// label or parameter.
const OTPAUTH_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// The URI authenticator apps scan: `otpauth://totp/Issuer:account?secret=…`. Written here,
/// not by totp-rs: its URI leaves out the default algorithm/digits/period (which the page
/// shows and some apps want) and escapes the `@` of an email account.
pub(crate) fn otpauth_uri(secret_base32: &str, issuer: &str, account: &str) -> String {
    let issuer_enc = utf8_percent_encode(issuer, OTPAUTH_ESCAPE);
    let account_enc = utf8_percent_encode(account, OTPAUTH_ESCAPE);
    format!(
        "otpauth://totp/{issuer_enc}:{account_enc}?secret={secret_base32}&issuer={issuer_enc}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

/// The secret of an `otpauth://totp/…` URI (enroll verified), uppercase without padding.
/// Read here, not by totp-rs's `from_url`: that refuses URIs Authsignal accepts (an issuer
/// in the label that differs from `issuer=`, short secrets) and has no messages of ours.
/// The sandbox checks codes with SHA1, 6 digits and 30 s steps, so it refuses other settings.
pub(crate) fn secret_from_uri(raw: &str) -> Result<String, String> {
    let uri = url::Url::parse(raw.trim())
        .ok()
        .filter(|uri| uri.scheme() == "otpauth" && uri.host_str() == Some("totp"))
        .ok_or("otpUri must be an otpauth://totp/… URI.")?;
    let mut secret = None;
    for (name, value) in uri.query_pairs() {
        match (name.as_ref(), value.as_ref()) {
            ("secret", value) => secret = Some(value.replace(' ', "").to_ascii_uppercase()),
            ("algorithm", value) if !value.eq_ignore_ascii_case("SHA1") => {
                return Err(unsupported("algorithm", value))
            }
            ("digits", value) if value != DIGITS.to_string() => {
                return Err(unsupported("digits", value))
            }
            ("period", value) if value != STEP_SECONDS.to_string() => {
                return Err(unsupported("period", value))
            }
            _ => {}
        }
    }
    let secret = secret.map(|s| s.trim_end_matches('=').to_owned());
    match secret {
        Some(secret) if !secret.is_empty() && code_at_step(&secret, 0).is_some() => Ok(secret),
        _ => Err("otpUri needs a base32 secret parameter.".to_owned()),
    }
}

fn unsupported(name: &str, value: &str) -> String {
    format!("otpUri asks for {name}={value}, but the sandbox's authenticator app codes use SHA1, 6 digits and 30-second periods.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 6238 appendix B's SHA1 secret, "12345678901234567890".
    fn rfc_secret() -> String {
        BASE32_NOPAD.encode(b"12345678901234567890")
    }

    #[test]
    fn matches_rfc_6238_vectors_truncated_to_six_digits() {
        // Appendix B gives 8 digits; 6-digit codes are the last six.
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(
                code_at_step(&rfc_secret(), step_at(time)).as_deref(),
                Some(&eight[2..])
            );
        }
    }

    #[test]
    fn accepts_one_step_either_side_and_refuses_replay() {
        let secret = generate_secret();
        let now = 1_800_000_000;
        let previous = code_at_step(&secret, step_at(now) - 1).unwrap_or_default();
        assert_eq!(
            accepted_step(&secret, &previous, now, None),
            Some(step_at(now) - 1)
        );
        let next = code_at_step(&secret, step_at(now) + 1).unwrap_or_default();
        assert_eq!(
            accepted_step(&secret, &next, now, None),
            Some(step_at(now) + 1)
        );
        let too_old = code_at_step(&secret, step_at(now) - 2).unwrap_or_default();
        assert_eq!(accepted_step(&secret, &too_old, now, None), None);
        let current = code_at_step(&secret, step_at(now)).unwrap_or_default();
        assert_eq!(
            accepted_step(&secret, &current, now, Some(step_at(now))),
            None
        );
        assert!(is_replay(&secret, &current, now, Some(step_at(now))));
    }

    #[test]
    fn uri_names_issuer_account_and_secret() {
        assert_eq!(
            otpauth_uri("ABC", "Authsignal Sandbox", "jane@example.com"),
            "otpauth://totp/Authsignal%20Sandbox:jane@example.com?secret=ABC&issuer=Authsignal%20Sandbox&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn reads_the_secret_of_an_otpauth_uri() {
        let uri = otpauth_uri(&rfc_secret(), "Shop", "jane@example.com");
        assert_eq!(secret_from_uri(&uri), Ok(rfc_secret()));
        assert_eq!(
            secret_from_uri("otpauth://totp/Shop:jane?secret=gezd%20gnbv&issuer=Shop"),
            Ok("GEZDGNBV".to_owned())
        );
        for bad in [
            "https://example.com/?secret=GEZDGNBV",
            "otpauth://hotp/Shop?secret=GEZDGNBV&counter=1",
            "otpauth://totp/Shop?issuer=Shop",
            "otpauth://totp/Shop?secret=not-base32!",
            "otpauth://totp/Shop?secret=GEZDGNBV&algorithm=SHA256",
            "otpauth://totp/Shop?secret=GEZDGNBV&digits=8",
            "otpauth://totp/Shop?secret=GEZDGNBV&period=60",
        ] {
            assert!(secret_from_uri(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn a_wrong_code_is_never_accepted(seed in any::<[u8; 20]>(), t in 0i64..4_000_000_000, guess in 0u32..1_000_000) {
            let secret = BASE32_NOPAD.encode(&seed);
            let guess = format!("{guess:06}");
            let window: Vec<String> = (-1..=1).filter_map(|d| code_at_step(&secret, step_at(t) + d)).collect();
            prop_assume!(!window.contains(&guess));
            prop_assert_eq!(accepted_step(&secret, &guess, t, None), None);
        }
    }
}
