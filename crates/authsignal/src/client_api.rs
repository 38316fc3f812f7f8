//! Authsignal's Client API (`/client/…`), called by a server on a user's behalf with the token
//! track returned: what the Web SDK does in the browser, for pages that work without
//! JavaScript. The token is the credential; the secret key is never sent with it.

use std::fmt;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::{json_body, Client, Credential};
use crate::error::Result;
use crate::types::{ChallengeToken, UserAuthenticator};

/// The Client API, sharing its [`Client`]'s connection pool and base URL; from
/// [`Client::client_api`]. Every call takes the token of the action it belongs to.
#[derive(Clone, Debug)]
pub struct ClientApi {
    client: Client,
}

/// `POST /client/user-authenticators/totp`: a new authenticator-app secret, pending until a
/// code from it is verified.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollTotpResponse {
    /// The id the authenticator will have once verified.
    #[serde(default)]
    pub user_authenticator_id: String,
    /// The `otpauth://` URI to show as a QR code (it contains the secret).
    pub uri: String,
    /// The base32 secret, for typing in by hand.
    pub secret: String,
}

impl fmt::Debug for EnrollTotpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrollTotpResponse")
            .field("user_authenticator_id", &self.user_authenticator_id)
            .field("uri", &"<redacted>")
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// `POST /client/user-authenticators/email-otp` or `/sms`: a code was sent to the address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientEnrollResponse {
    /// The id the authenticator will have once the code is verified.
    #[serde(default)]
    pub user_authenticator_id: String,
}

/// `POST /client/challenge/email-otp` or `/sms`: a code was sent to the enrolled address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientChallengeResponse {
    /// Identifies the challenge, when Authsignal returns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
}

/// What every `POST /client/verify/…` answers. A wrong code is not an error: it is
/// `is_verified: false` with a `failure_reason`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientVerifyResponse {
    /// The code was right: the enrollment completed or the challenge succeeded.
    #[serde(default)]
    pub is_verified: bool,
    /// The token to check server-side with `POST /validate` (only when verified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<ChallengeToken>,
    /// Why not, e.g. `CODE_INVALID_OR_EXPIRED` or `MAX_ATTEMPTS_EXCEEDED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// The authenticator a verified enrollment created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_authenticator: Option<UserAuthenticator>,
}

impl ClientVerifyResponse {
    /// `failureReason` once the attempts for this action are spent.
    pub const MAX_ATTEMPTS_EXCEEDED: &'static str = "MAX_ATTEMPTS_EXCEEDED";

    /// Whether no further code can be tried with this token.
    pub fn attempts_exhausted(&self) -> bool {
        self.failure_reason.as_deref() == Some(Self::MAX_ATTEMPTS_EXCEEDED)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeBody<'a> {
    verification_code: &'a str,
}

#[derive(Serialize)]
struct EmailBody<'a> {
    email: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhoneBody<'a> {
    phone_number: &'a str,
}

impl Client {
    /// The Client API at the same base URL, over the same connection pool.
    pub fn client_api(&self) -> ClientApi {
        ClientApi {
            client: self.clone(),
        }
    }
}

impl ClientApi {
    /// Starts an authenticator-app enrollment: the secret and its `otpauth://` URI.
    pub async fn enroll_totp(&self, token: &ChallengeToken) -> Result<EnrollTotpResponse> {
        self.post(token, &["user-authenticators", "totp"], None)
            .await
    }

    /// Checks a code from the authenticator app: completes a pending enrollment, else answers
    /// a challenge.
    pub async fn verify_totp(
        &self,
        token: &ChallengeToken,
        code: &str,
    ) -> Result<ClientVerifyResponse> {
        self.verify(token, "totp", code).await
    }

    /// Starts enrolling email codes: Authsignal sends a code to `email`.
    pub async fn enroll_email_otp(
        &self,
        token: &ChallengeToken,
        email: &str,
    ) -> Result<ClientEnrollResponse> {
        let body = json_body(&EmailBody { email })?;
        self.post(token, &["user-authenticators", "email-otp"], Some(body))
            .await
    }

    /// Sends a code to the user's enrolled email address.
    pub async fn challenge_email_otp(
        &self,
        token: &ChallengeToken,
    ) -> Result<ClientChallengeResponse> {
        self.post(token, &["challenge", "email-otp"], None).await
    }

    /// Checks the email code sent last with this token.
    pub async fn verify_email_otp(
        &self,
        token: &ChallengeToken,
        code: &str,
    ) -> Result<ClientVerifyResponse> {
        self.verify(token, "email-otp", code).await
    }

    /// Starts enrolling text-message codes: Authsignal sends a code to `phone_number` (E.164).
    pub async fn enroll_sms(
        &self,
        token: &ChallengeToken,
        phone_number: &str,
    ) -> Result<ClientEnrollResponse> {
        let body = json_body(&PhoneBody { phone_number })?;
        self.post(token, &["user-authenticators", "sms"], Some(body))
            .await
    }

    /// Sends a code to the user's enrolled phone number.
    pub async fn challenge_sms(&self, token: &ChallengeToken) -> Result<ClientChallengeResponse> {
        self.post(token, &["challenge", "sms"], None).await
    }

    /// Checks the text-message code sent last with this token.
    pub async fn verify_sms(
        &self,
        token: &ChallengeToken,
        code: &str,
    ) -> Result<ClientVerifyResponse> {
        self.verify(token, "sms", code).await
    }

    async fn verify(
        &self,
        token: &ChallengeToken,
        method: &'static str,
        code: &str,
    ) -> Result<ClientVerifyResponse> {
        let body = json_body(&CodeBody {
            verification_code: code,
        })?;
        self.post(token, &["verify", method], Some(body)).await
    }

    /// `POST /client/{path…}` with the token as a Bearer credential. Not retried once sent:
    /// a repeated send would send a second code or spend a second attempt.
    async fn post<R: serde::de::DeserializeOwned>(
        &self,
        token: &ChallengeToken,
        path: &[&'static str],
        body: Option<Vec<u8>>,
    ) -> Result<R> {
        let mut segments: Vec<(&'static str, &str)> = vec![("", "client")];
        segments.extend(path.iter().map(|p| ("", *p)));
        // An empty JSON object where the API takes no fields: some servers refuse an empty body.
        let body = body.unwrap_or_else(|| b"{}".to_vec());
        self.client
            .call_as(
                Credential::Bearer(token.expose()),
                Method::POST,
                &segments,
                Some(body),
            )
            .await
    }
}
