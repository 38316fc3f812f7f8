//! The Client API under `/v1/client`: what the official Web SDK (`@authsignal/browser`)
//! calls from the app's page to enroll and verify passkeys, authenticator apps, email and
//! SMS codes. Authenticated by the token track returned (`Bearer`), or by the tenant id
//! alone for usernameless passkey sign-in. Any origin may call it: the token is the
//! credential and no cookies are used, so `Access-Control-Allow-Origin: *` gives nothing away.

mod auth;
mod codes;
mod list;
mod passkey;
mod totp;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;
use crate::testing;
use crate::wire::{ApiError, AuthenticatorJson};

/// The Client API routes, with the API's fault-and-stats middleware (`testing::inject`) on
/// each of them, as on the Server API's.
pub(crate) fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/user-authenticators", get(list::list))
        .route(
            "/user-authenticators/passkey",
            get(passkey::find).post(passkey::add),
        )
        .route(
            "/user-authenticators/passkey/registration-options",
            post(passkey::registration_options),
        )
        .route(
            "/user-authenticators/passkey/authentication-options",
            post(passkey::authentication_options),
        )
        .route("/verify/passkey", post(passkey::verify))
        .route("/challenge", post(passkey::challenge))
        .route("/user-authenticators/totp", post(totp::enroll))
        .route("/verify/totp", post(totp::verify))
        .route("/user-authenticators/email-otp", post(codes::enroll_email))
        .route("/challenge/email-otp", post(codes::challenge_email))
        .route("/verify/email-otp", post(codes::verify_email))
        .route("/user-authenticators/sms", post(codes::enroll_sms))
        .route("/challenge/sms", post(codes::challenge_sms))
        .route("/verify/sms", post(codes::verify_sms))
        .route_layer(from_fn_with_state(state, testing::inject))
        // A catch-all route, not only a fallback: fallbacks of nested routers aren't reached.
        .route(
            "/{*rest}",
            any(|| async { ApiError::not_found("No such Client API route.") }),
        )
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "invalid_request",
                "This method is not allowed on this route.",
            )
        })
        .layer(from_fn(cors))
}

/// A one-time code the user typed (email, SMS or authenticator app).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VerifyBody {
    verification_code: Option<String>,
}

impl VerifyBody {
    /// The code, or Authsignal's error for a missing one.
    fn code(self) -> Result<String, ApiError> {
        self.verification_code
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| ApiError::invalid_request("verificationCode is required."))
    }
}

/// Answers preflights and lets any origin read the answers (no cookies are involved).
async fn cors(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS {
        let mut preflight = StatusCode::NO_CONTENT.into_response();
        let headers = preflight.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Authorization, Content-Type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        preflight
    } else {
        next.run(request).await
    };
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// What every verify and enrollment-completing call answers (the SDK's `VerifyResponse`).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VerifyResponse {
    pub is_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<&'static str>,
    /// Only when the verification completed an enrollment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_authenticator: Option<AuthenticatorJson>,
}

/// `failureReason` for a code that is wrong, expired or used.
pub(crate) const CODE_INVALID_OR_EXPIRED: &str = "CODE_INVALID_OR_EXPIRED";
/// `failureReason` once the attempts are spent.
pub(crate) const MAX_ATTEMPTS_EXCEEDED: &str = "MAX_ATTEMPTS_EXCEEDED";
