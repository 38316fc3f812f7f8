//! A refused sign-in or sign-up form comes back with what was typed (never the password) in a
//! short-lived signed cookie rather than the session, so anonymous posts store nothing on the
//! server however many there are. The HMAC (with the issue time inside it) stops a forged or
//! stale cookie; over https the `__Host-` name stops a sibling subdomain from planting one.

use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::model::session::{FormName, FormState};
use crate::server::config::{AuthsignalMode, Settings};
use crate::server::web::request_context::cookie_value;

/// Long enough for the redirect and the render that follows it.
const MAX_AGE_SECS: u32 = 120;

/// Signs and reads the form cookies.
#[derive(Clone)]
pub struct FormCookies {
    key: Arc<[u8; 32]>,
    secure: bool,
}

impl std::fmt::Debug for FormCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormCookies { key: [redacted] }")
    }
}

impl FormCookies {
    /// With a tenant, every instance derives the same key from the shared secret key (which
    /// itself never leaves this process); the embedded sandbox is one process, so a random key.
    pub fn new(settings: &Settings) -> FormCookies {
        let key = match &settings.authsignal {
            AuthsignalMode::Tenant { secret_key, .. } => {
                let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.expose_secret().as_bytes())
                    .expect("HMAC takes any key length");
                mac.update(b"storefront form cookie v1");
                mac.finalize().into_bytes().into()
            }
            AuthsignalMode::EmbeddedSandbox { .. } => rand::random(),
        };
        FormCookies {
            key: Arc::new(key),
            secure: settings.cookies_secure(),
        }
    }

    /// The `Set-Cookie` value that keeps `state` for the next render of `form`.
    pub fn keep(&self, form: FormName, state: &FormState) -> HeaderValue {
        let state = FormState {
            error: clip(&state.error, 300),
            email: clip(&state.email, 254),
            name: clip(&state.name, 100),
        };
        let json = serde_json::to_vec(&state).unwrap_or_default();
        // Issued-at inside the MAC: a copy replayed later than its max age is refused.
        let payload = format!("{}.{}", now_unix(), URL_SAFE_NO_PAD.encode(json));
        let signature = URL_SAFE_NO_PAD.encode(self.sign(form, &payload));
        self.cookie(form, &format!("{payload}.{signature}"), MAX_AGE_SECS)
    }

    /// What the last refused post of `form` left, if its cookie is there and genuine, and the
    /// `Set-Cookie` value that removes the cookie (it is shown once).
    pub fn take(&self, form: FormName, headers: &HeaderMap) -> Option<(FormState, HeaderValue)> {
        let value = cookie_value(headers, &self.name(form))?;
        let (payload, signature) = value.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = self.mac(form);
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).ok()?;
        let (issued_at, json) = payload.split_once('.')?;
        let age = now_unix() - issued_at.parse::<i64>().ok()?;
        if !(0..=i64::from(MAX_AGE_SECS)).contains(&age) {
            return None;
        }
        let state = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(json).ok()?).ok()?;
        Some((state, self.cookie(form, "", 0)))
    }

    fn sign(&self, form: FormName, payload: &str) -> Vec<u8> {
        let mut mac = self.mac(form);
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Bound to the form, so a sign-up cookie can't be shown on the sign-in form.
    fn mac(&self, form: FormName) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.key.as_slice()).expect("HMAC takes any key length");
        mac.update(cookie_name(form).as_bytes());
        mac.update(b"\0");
        mac
    }

    /// Over https, `__Host-`: no sibling subdomain can set a cookie of that name.
    fn name(&self, form: FormName) -> String {
        let prefix = if self.secure { "__Host-" } else { "" };
        format!("{prefix}{}", cookie_name(form))
    }

    fn cookie(&self, form: FormName, value: &str, max_age: u32) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie = format!(
            "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
            self.name(form)
        );
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn cookie_name(form: FormName) -> &'static str {
    match form {
        FormName::SignUp => "storefront_form_sign_up",
        FormName::SignIn => "storefront_form_sign_in",
        FormName::ForgotPassword => "storefront_form_forgot_password",
        FormName::ResetPassword => "storefront_form_reset_password",
        FormName::VerifyEmail => "storefront_form_verify_email",
    }
}

/// At most `max` characters: what comes back fits in a cookie whatever was posted.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

impl FormCookies {
    /// Back to the form with what was typed and why it was refused (in a cookie, not the session).
    pub fn refuse(&self, form: FormName, kept: FormState, back_to: String) -> Response {
        let mut response = Redirect::to(&back_to).into_response();
        response
            .headers_mut()
            .append(header::SET_COOKIE, self.keep(form, &kept));
        response
    }
}

#[cfg(test)]
mod tests {
    use crate::server::web::form_cookie::*;

    fn cookies() -> FormCookies {
        FormCookies {
            key: Arc::new([7; 32]),
            secure: false,
        }
    }

    fn request_with(set_cookie: &HeaderValue) -> HeaderMap {
        let pair = set_cookie
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {pair}")).unwrap(),
        );
        headers
    }

    #[test]
    fn a_kept_form_comes_back_once_and_only_for_its_form() {
        let c = cookies();
        let state = FormState {
            error: "Nope.".into(),
            email: "a@x.com".into(),
            name: String::new(),
        };
        let headers = request_with(&c.keep(FormName::SignIn, &state));
        let (back, clearing) = c.take(FormName::SignIn, &headers).unwrap();
        assert_eq!(back, state);
        assert!(clearing.to_str().unwrap().contains("Max-Age=0"));
        assert!(c.take(FormName::SignUp, &headers).is_none());
    }

    #[test]
    fn a_forged_or_foreign_cookie_is_ignored() {
        let c = cookies();
        let state = FormState {
            error: "Call 0800 SCAM".into(),
            ..FormState::default()
        };
        let forged = FormCookies {
            key: Arc::new([8; 32]),
            secure: false,
        }
        .keep(FormName::SignIn, &state);
        assert!(c.take(FormName::SignIn, &request_with(&forged)).is_none());
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("storefront_form_sign_in=e30.AAAA"),
        );
        assert!(c.take(FormName::SignIn, &headers).is_none());
    }

    #[test]
    fn huge_input_makes_a_small_cookie() {
        let state = FormState {
            error: String::new(),
            email: "é".repeat(60_000),
            name: "n".repeat(60_000),
        };
        assert!(cookies().keep(FormName::SignUp, &state).len() < 2_000);
    }
}
