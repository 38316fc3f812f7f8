//! The [`Client`]: one pooled HTTP client, Basic auth, retries, and one method per endpoint.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::path::endpoint_url;
use crate::retry::{is_retryable, Outcome, RetryPolicy};
use crate::types::{
    EnrollVerifiedAuthenticatorRequest, EnrollVerifiedAuthenticatorResponse, GetActionResponse,
    GetUserResponse, TrackRequest, TrackResponse, UpdateActionRequest, UpdateActionResponse,
    UpdateUserRequest, UpdateUserResponse, UserAuthenticator, ValidateChallengeRequest,
    ValidateChallengeResponse,
};

/// The `User-Agent` sent with every request: `authsignal-rust/<crate version>`.
pub const USER_AGENT: &str = concat!("authsignal-rust/", env!("CARGO_PKG_VERSION"));

/// Default limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Default limit for one attempt of a request, connection included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The Authsignal region a tenant lives in. A key used against the wrong region gets a 401.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// Oregon: `https://api.authsignal.com/v1`.
    #[default]
    Us,
    /// Sydney: `https://au.api.authsignal.com/v1`.
    Au,
    /// Dublin: `https://eu.api.authsignal.com/v1`.
    Eu,
    /// Montreal: `https://ca.api.authsignal.com/v1` (listed in the docs' OpenAPI servers).
    Ca,
}

impl Region {
    /// The Server API base URL of this region, `/v1` included.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Us => "https://api.authsignal.com/v1",
            Region::Au => "https://au.api.authsignal.com/v1",
            Region::Eu => "https://eu.api.authsignal.com/v1",
            Region::Ca => "https://ca.api.authsignal.com/v1",
        }
    }
}

/// A client for the Authsignal Server API.
///
/// Cheap to clone: clones share one connection pool. `Debug` never shows the secret key.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Validated, without a trailing slash.
    base_url: String,
    secret_key: SecretString,
    retry_policy: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("secret_key", &"<redacted>")
            .field("retry_policy", &self.inner.retry_policy)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]; start with [`Client::builder`].
pub struct ClientBuilder {
    secret_key: SecretString,
    base_url: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry_policy: RetryPolicy,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("secret_key", &"<redacted>")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry_policy", &self.retry_policy)
            .finish()
    }
}

impl ClientBuilder {
    /// Targets a region's base URL (the default is [`Region::Us`]).
    pub fn region(mut self, region: Region) -> Self {
        self.base_url = region.base_url().to_owned();
        self
    }

    /// Targets a custom base URL, `/v1` included, e.g. a local sandbox at
    /// `http://127.0.0.1:7700/v1`. Checked by [`ClientBuilder::build`].
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Limit for establishing a connection (default 2 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Limit for one attempt of a request, connection included (default 10 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How to retry failed requests (default: 2 retries from 100 ms).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Builds the client and its connection pool.
    ///
    /// Fails with [`Error::Config`] for an empty key or a base URL that is not an absolute
    /// `http(s)` URL without credentials, query or fragment.
    pub fn build(self) -> Result<Client> {
        if self.secret_key.expose_secret().trim().is_empty() {
            return Err(config_error("the secret key is empty"));
        }
        let base_url = checked_base_url(&self.base_url)?;
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(USER_AGENT)
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            // The API never redirects; following one could replay a body elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| config_error("the HTTP client could not be initialised"))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                secret_key: self.secret_key,
                retry_policy: self.retry_policy,
            }),
        })
    }
}

fn config_error(reason: &str) -> Error {
    Error::Config {
        reason: reason.to_owned(),
    }
}

fn checked_base_url(raw: &str) -> Result<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let parsed = url::Url::parse(trimmed)
        .map_err(|_| config_error("the base URL is not an absolute URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(config_error("the base URL must use http or https"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(config_error("the base URL must not contain credentials"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(config_error(
            "the base URL must not have a query or fragment",
        ));
    }
    Ok(trimmed.to_owned())
}

impl Client {
    /// A client for `region` with default timeouts and retries. Calls no endpoint.
    pub fn new(secret_key: SecretString, region: Region) -> Result<Client> {
        Client::builder(secret_key).region(region).build()
    }

    /// Starts configuring a client authenticated by the tenant's secret key. Calls no
    /// endpoint.
    pub fn builder(secret_key: SecretString) -> ClientBuilder {
        ClientBuilder {
            secret_key,
            base_url: Region::default().base_url().to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry_policy: RetryPolicy::default(),
        }
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// `GET /users/{userId}`: the user's contact details and enrolled methods.
    ///
    /// An unknown or deleted user is not an error: it comes back with `is_enrolled: false`.
    pub async fn get_user(&self, user_id: &str) -> Result<GetUserResponse> {
        self.call(Method::GET, &[("", "users"), ("user_id", user_id)], None)
            .await
    }

    /// `PATCH /users/{userId}`: updates the fields that are `Some` in `request`.
    pub async fn update_user(
        &self,
        user_id: &str,
        request: &UpdateUserRequest,
    ) -> Result<UpdateUserResponse> {
        let body = json_body(request)?;
        self.call(
            Method::PATCH,
            &[("", "users"), ("user_id", user_id)],
            Some(body),
        )
        .await
    }

    /// `DELETE /users/{userId}`: deletes the user and their authenticators.
    ///
    /// Any 2xx counts as success; the response body is ignored.
    pub async fn delete_user(&self, user_id: &str) -> Result<()> {
        self.execute(Method::DELETE, &[("", "users"), ("user_id", user_id)], None)
            .await?;
        Ok(())
    }

    /// `GET /users/{userId}/authenticators`: the user's enrolled authenticators (empty when
    /// nothing is enrolled).
    pub async fn get_authenticators(&self, user_id: &str) -> Result<Vec<UserAuthenticator>> {
        let segments = [("", "users"), ("user_id", user_id), ("", "authenticators")];
        self.call(Method::GET, &segments, None).await
    }

    /// `POST /users/{userId}/authenticators`: enrolls an email or phone number **you have
    /// already verified**. Authsignal sends no code.
    pub async fn enroll_verified_authenticator(
        &self,
        user_id: &str,
        request: &EnrollVerifiedAuthenticatorRequest,
    ) -> Result<EnrollVerifiedAuthenticatorResponse> {
        let segments = [("", "users"), ("user_id", user_id), ("", "authenticators")];
        self.call(Method::POST, &segments, Some(json_body(request)?))
            .await
    }

    /// `DELETE /users/{userId}/authenticators/{userAuthenticatorId}`: removes one
    /// authenticator.
    ///
    /// Authsignal allows removing the user's **last** authenticator, which can lock them
    /// out; check first if that matters. Any 2xx counts as success; the body is ignored.
    pub async fn delete_authenticator(
        &self,
        user_id: &str,
        user_authenticator_id: &str,
    ) -> Result<()> {
        let segments = [
            ("", "users"),
            ("user_id", user_id),
            ("", "authenticators"),
            ("user_authenticator_id", user_authenticator_id),
        ];
        self.execute(Method::DELETE, &segments, None).await?;
        Ok(())
    }

    /// `POST /users/{userId}/actions/{action}`: tracks an action and returns its state, the
    /// pre-built UI `url` and a client `token`.
    ///
    /// Users are created implicitly by their first track. `action` should match
    /// `^[a-zA-Z0-9_-]{1,64}$`; Authsignal, not this crate, enforces that.
    pub async fn track(
        &self,
        user_id: &str,
        action: &str,
        request: &TrackRequest,
    ) -> Result<TrackResponse> {
        let segments = [
            ("", "users"),
            ("user_id", user_id),
            ("", "actions"),
            ("action", action),
        ];
        self.call(Method::POST, &segments, Some(json_body(request)?))
            .await
    }

    /// `GET /users/{userId}/actions/{action}/{idempotencyKey}`: one tracked action.
    ///
    /// An unknown idempotency key is an [`Error::Api`] with status 404
    /// (see [`Error::is_not_found`]).
    pub async fn get_action(
        &self,
        user_id: &str,
        action: &str,
        idempotency_key: &str,
    ) -> Result<GetActionResponse> {
        let segments = action_segments(user_id, action, idempotency_key);
        self.call(Method::GET, &segments, None).await
    }

    /// `PATCH /users/{userId}/actions/{action}/{idempotencyKey}`: sets an action's state,
    /// e.g. after a manual review.
    pub async fn update_action(
        &self,
        user_id: &str,
        action: &str,
        idempotency_key: &str,
        request: &UpdateActionRequest,
    ) -> Result<UpdateActionResponse> {
        let segments = action_segments(user_id, action, idempotency_key);
        self.call(Method::PATCH, &segments, Some(json_body(request)?))
            .await
    }

    /// `POST /validate`: checks a challenge token server-side.
    ///
    /// A mismatching user/action or a pending challenge is `Ok` with `is_valid: false`; use
    /// [`ValidateChallengeResponse::succeeded_for`] to decide.
    pub async fn validate_challenge(
        &self,
        request: &ValidateChallengeRequest,
    ) -> Result<ValidateChallengeResponse> {
        self.call(Method::POST, &[("", "validate")], Some(json_body(request)?))
            .await
    }

    /// Sends the request and decodes a 2xx body as JSON, whatever its Content-Type.
    async fn call<R: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[(&'static str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<R> {
        self.call_as(Credential::SecretKey, method, segments, body)
            .await
    }

    /// [`Client::call`] with the given credential (the Client API sends a user's token).
    pub(crate) async fn call_as<R: DeserializeOwned>(
        &self,
        credential: Credential<'_>,
        method: Method,
        segments: &[(&'static str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<R> {
        let (status, bytes) = self.execute_as(credential, method, segments, body).await?;
        serde_json::from_slice(&bytes).map_err(|cause| Error::decode(status, &cause, &bytes))
    }

    async fn execute(
        &self,
        method: Method,
        segments: &[(&'static str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<(u16, Vec<u8>)> {
        self.execute_as(Credential::SecretKey, method, segments, body)
            .await
    }

    /// Sends the request with retries; returns a 2xx status and body, or the error.
    async fn execute_as(
        &self,
        credential: Credential<'_>,
        method: Method,
        segments: &[(&'static str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<(u16, Vec<u8>)> {
        let url = endpoint_url(&self.inner.base_url, segments)?;
        let policy = self.inner.retry_policy;
        let mut retries_done = 0;
        loop {
            let request = self.inner.http.request(method.clone(), &url);
            let mut request = match credential {
                Credential::SecretKey => {
                    request.basic_auth(self.inner.secret_key.expose_secret(), Some(""))
                }
                Credential::Bearer(token) => request.bearer_auth(token),
            }
            .header(ACCEPT, "application/json");
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let sent = request.send().await;

            let outcome = match &sent {
                Ok(response) => Outcome::Status(response.status().as_u16()),
                Err(err) => transport_outcome(err),
            };
            if retries_done < policy.max_retries && is_retryable(&method, outcome) {
                tokio::time::sleep(policy.delay_before(retries_done)).await;
                retries_done += 1;
                continue;
            }

            let response = sent.map_err(Error::from_transport)?;
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            let bytes = response.bytes().await.map_err(Error::from_transport)?;
            if (200..300).contains(&status) {
                return Ok((status, bytes.to_vec()));
            }
            return Err(Error::from_api_response(status, retry_after, &bytes));
        }
    }
}

/// How a request authenticates: the tenant's secret key (Server API), or a user's token from
/// track (Client API).
#[derive(Clone, Copy)]
pub(crate) enum Credential<'a> {
    SecretKey,
    Bearer(&'a str),
}

fn action_segments<'a>(
    user_id: &'a str,
    action: &'a str,
    idempotency_key: &'a str,
) -> [(&'static str, &'a str); 5] {
    [
        ("", "users"),
        ("user_id", user_id),
        ("", "actions"),
        ("action", action),
        ("idempotency_key", idempotency_key),
    ]
}

pub(crate) fn json_body<T: Serialize>(body: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(|_| Error::InvalidRequest {
        reason: "the request body could not be serialized as JSON".to_owned(),
    })
}

fn transport_outcome(err: &reqwest::Error) -> Outcome {
    // Connect first: a connect timeout is both, and nothing was sent.
    if err.is_connect() {
        Outcome::ConnectFailed
    } else if err.is_timeout() {
        Outcome::TimedOut
    } else {
        Outcome::BrokeInTransit
    }
}

/// `Retry-After` in its delay-seconds form; the HTTP-date form is ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretString {
        SecretString::from("sk_test_do_not_print")
    }

    #[test]
    fn regions_map_to_v1_base_urls() {
        assert_eq!(Region::Us.base_url(), "https://api.authsignal.com/v1");
        assert_eq!(Region::Au.base_url(), "https://au.api.authsignal.com/v1");
        assert_eq!(Region::Eu.base_url(), "https://eu.api.authsignal.com/v1");
        assert_eq!(Region::Ca.base_url(), "https://ca.api.authsignal.com/v1");
    }

    #[test]
    fn trailing_slash_is_dropped() {
        let client = Client::builder(key())
            .base_url("http://127.0.0.1:7700/v1/")
            .build();
        assert_eq!(
            client.expect("valid URL").base_url(),
            "http://127.0.0.1:7700/v1"
        );
    }

    #[test]
    fn bad_configuration_is_refused() {
        for url in [
            "not a url",
            "ftp://h/v1",
            "https://u:p@h/v1",
            "https://h/v1?x=1",
        ] {
            let result = Client::builder(key()).base_url(url).build();
            assert!(matches!(result, Err(Error::Config { .. })), "{url}");
        }
        let empty = Client::builder(SecretString::from(" ")).build();
        assert!(matches!(empty, Err(Error::Config { .. })));
    }

    #[test]
    fn builder_debug_hides_the_key() {
        let debug = format!("{:?}", Client::builder(key()));
        assert!(!debug.contains("do_not_print"), "{debug}");
    }
}
