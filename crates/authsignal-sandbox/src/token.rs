//! Tokens the sandbox hands out: compact HS256 JWTs signed with the tenant secret key,
//! so they look like Authsignal's and nobody can mint or alter one without the key.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Tokens from track (and the redirect back) last as long as Authsignal's.
pub(crate) const ACTION_TOKEN_LIFETIME: Duration = Duration::minutes(10);

/// What a token is for: the app-facing token from track / the redirect back, or the
/// pre-built UI's own session token that rides in its links and forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TokenKind {
    Action,
    Ui,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// The user id.
    pub sub: String,
    #[serde(rename = "actionCode")]
    pub action_code: String,
    #[serde(rename = "idempotencyKey")]
    pub idempotency_key: String,
    pub scope: String,
    pub kind: TokenKind,
    /// Issued at / expires at, unix seconds.
    pub iat: i64,
    pub exp: i64,
    /// A UI session opened with `&mode=popup` (the Web SDK's popup and window modes):
    /// it ends by posting the token to the app's window instead of redirecting.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub popup: bool,
}

impl Claims {
    /// Checked here rather than by jsonwebtoken: expiry follows the sandbox clock (which
    /// tests move, per user), not the system time.
    pub(crate) fn is_expired(&self, now: OffsetDateTime) -> bool {
        now.unix_timestamp() >= self.exp
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's signature does not match")]
    BadSignature,
}

impl From<jsonwebtoken::errors::Error> for TokenError {
    fn from(e: jsonwebtoken::errors::Error) -> Self {
        match e.kind() {
            ErrorKind::InvalidSignature => TokenError::BadSignature,
            _ => TokenError::Malformed,
        }
    }
}

/// Signs and checks tokens with the tenant secret key.
#[derive(Clone)]
pub(crate) struct TokenSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenSigner {
    pub(crate) fn new(secret_key: &str) -> Self {
        // Domain-separated so a token signature can never double as anything else.
        let mut key = b"authsignal-sandbox/token/v1/".to_vec();
        key.extend_from_slice(secret_key.as_bytes());
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation: signature_only_validation(),
        }
    }

    pub(crate) fn sign(&self, claims: &Claims) -> String {
        // HS256 over a struct of strings and integers cannot fail.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .unwrap_or_default()
    }

    /// Checks the signature and decodes the claims. Expiry is the caller's to check,
    /// against the sandbox clock.
    pub(crate) fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        Ok(jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims)
    }
}

/// HS256 only, and no registered-claim checks: `exp` is judged by the sandbox clock
/// ([`Claims::is_expired`]) and the tokens carry no `aud`, `iss` or `nbf`.
fn signature_only_validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    validation.required_spec_claims.clear();
    validation
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use proptest::prelude::*;

    fn claims() -> Claims {
        Claims {
            sub: "user-1".into(),
            action_code: "manage".into(),
            idempotency_key: "key-1".into(),
            scope: "read:authenticators".into(),
            kind: TokenKind::Action,
            iat: 1_767_225_600,
            exp: 1_767_226_200,
            popup: false,
        }
    }

    #[test]
    fn round_trips() {
        let signer = TokenSigner::new("secret");
        let token = signer.sign(&claims());
        assert!(token.starts_with("eyJ"));
        assert_eq!(signer.verify(&token), Ok(claims()));
    }

    #[test]
    fn the_popup_flag_rides_only_in_popup_sessions() {
        let signer = TokenSigner::new("secret");
        let popup = Claims {
            popup: true,
            ..claims()
        };
        assert_eq!(signer.verify(&signer.sign(&popup)), Ok(popup));
        let plain = signer.sign(&claims());
        let payload = plain.split('.').nth(1).unwrap_or_default();
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert!(!json.contains("popup"), "{json}");
    }

    /// Track's answer is stored with its token, so one the hand-written signer issued
    /// (header `{"alg":"HS256","typ":"JWT"}`) must still verify.
    #[test]
    fn tokens_stored_before_jsonwebtoken_still_verify() {
        let stored = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEiLCJhY3Rpb25Db2RlIjoibWFuYWdlIiwiaWRlbXBvdGVuY3lLZXkiOiJrZXktMSIsInNjb3BlIjoicmVhZDphdXRoZW50aWNhdG9ycyIsImtpbmQiOiJhY3Rpb24iLCJpYXQiOjE3NjcyMjU2MDAsImV4cCI6MTc2NzIyNjIwMH0.wuVDc_vwRyUTMa250Dkolmp5AZBELH6GAdKmH27Gv70";
        assert_eq!(TokenSigner::new("secret").verify(stored), Ok(claims()));
    }

    #[test]
    fn another_key_does_not_verify() {
        let token = TokenSigner::new("secret").sign(&claims());
        assert_eq!(
            TokenSigner::new("other").verify(&token),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn an_unsigned_or_garbage_token_is_malformed() {
        let signer = TokenSigner::new("secret");
        let token = signer.sign(&claims());
        let payload = token.split('.').nth(1).unwrap_or_default();
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        for garbage in ["", "garbage", "a.b.c", &format!("{none_header}.{payload}.")] {
            assert_eq!(
                signer.verify(garbage),
                Err(TokenError::Malformed),
                "{garbage}"
            );
        }
    }

    #[test]
    fn expiry_is_inclusive_of_the_exp_second() {
        let c = claims();
        assert!(!c.is_expired(OffsetDateTime::from_unix_timestamp(c.exp - 1).unwrap()));
        assert!(c.is_expired(OffsetDateTime::from_unix_timestamp(c.exp).unwrap()));
    }

    proptest! {
        #[test]
        fn any_single_character_change_fails(index in 0usize..400, replacement in any::<char>()) {
            let signer = TokenSigner::new("secret");
            let token = signer.sign(&claims());
            let index = index % token.len();
            let original = token.as_bytes()[index] as char;
            prop_assume!(replacement != original);
            let mut tampered: String = token.chars().take(index).collect();
            tampered.push(replacement);
            tampered.extend(token.chars().skip(index + 1));
            prop_assert!(signer.verify(&tampered).is_err());
        }

        #[test]
        fn changed_claims_under_the_old_signature_fail(user in "[a-zA-Z0-9_-]{1,20}", exp_delta in 1i64..100_000) {
            let signer = TokenSigner::new("secret");
            let token = signer.sign(&claims());
            let signature = token.rsplit('.').next().unwrap_or_default().to_owned();
            let mut forged = claims();
            forged.sub = format!("{user}x");
            forged.exp += exp_delta;
            let forged_token = signer.sign(&forged);
            let (unsigned, _) = forged_token.rsplit_once('.').unwrap_or_default();
            let spliced = format!("{unsigned}.{signature}");
            prop_assert!(signer.verify(&spliced).is_err());
        }

        #[test]
        fn truncation_and_extension_fail(cut in 1usize..200, suffix in "[A-Za-z0-9_.-]{1,8}") {
            let signer = TokenSigner::new("secret");
            let token = signer.sign(&claims());
            let cut = cut % token.len();
            prop_assert!(signer.verify(&token[..token.len() - cut.max(1)]).is_err());
            let extended = format!("{token}{suffix}");
            prop_assert!(signer.verify(&extended).is_err());
        }
    }
}
