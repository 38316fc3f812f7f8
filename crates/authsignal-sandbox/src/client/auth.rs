//! Who is calling: a user holding the token track returned (`Authorization: Bearer …`),
//! or the app's page with only the tenant id (`Basic base64(tenantId)`, usernameless
//! passkey sign-in). The binding rule for adding authenticators lives here too.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::clock::to_millis;
use crate::domain::{scope_grants, ui_may_continue, Permission, BINDING_WINDOW};
use crate::state::AppState;
use crate::store::{ActionKey, ActionRow, AuthenticatorRow};
use crate::token::{Claims, TokenKind, ACTION_TOKEN_LIFETIME};
use crate::wire::ApiError;

/// A caller with a valid, unexpired action token.
pub(crate) struct TokenCaller {
    pub claims: Claims,
    pub action: ActionRow,
    pub now: OffsetDateTime,
}

impl TokenCaller {
    pub(crate) fn key(&self) -> ActionKey {
        self.action.key()
    }

    pub(crate) fn user_id(&self) -> &str {
        &self.claims.sub
    }

    pub(crate) fn now_ms(&self) -> i64 {
        to_millis(self.now)
    }

    /// A new 10-minute token for the same action, as Authsignal returns after a ceremony.
    pub(crate) fn fresh_token(&self, state: &AppState) -> String {
        state.signer.sign(&Claims {
            kind: TokenKind::Action,
            iat: self.now.unix_timestamp(),
            exp: (self.now + ACTION_TOKEN_LIFETIME).unix_timestamp(),
            popup: false,
            ..self.claims.clone()
        })
    }

    /// Authenticator binding: a user's first authenticator needs nothing; adding to an
    /// enrolled user needs `add:authenticators`, or a challenge completed with this
    /// action's token within the last 10 minutes.
    pub(crate) fn may_add(&self, authenticators: &[AuthenticatorRow]) -> Result<(), ApiError> {
        let verified_recently = self
            .action
            .ui_verified_at
            .is_some_and(|at| self.now_ms() - at < BINDING_WINDOW.whole_milliseconds() as i64);
        if authenticators.is_empty()
            || scope_grants(&self.action.scope, Permission::Add)
            || verified_recently
        {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "This user already has an authenticator: adding another needs a token with the add:authenticators scope, or a challenge completed with this token within the last 10 minutes.",
        ))
    }
}

/// A Client API caller.
pub(crate) enum Caller {
    Token(Box<TokenCaller>),
    /// Only the tenant id: usernameless passkey sign-in.
    Tenant,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match credential(&parts.headers) {
            Some(Credential::Bearer(token)) => {
                Ok(Caller::Token(Box::new(token_caller(state, &token).await?)))
            }
            Some(Credential::Basic(tenant_id))
                if !state.tenant_id.is_empty()
                    && bool::from(tenant_id.as_bytes().ct_eq(state.tenant_id.as_bytes())) =>
            {
                Ok(Caller::Tenant)
            }
            _ => Err(unauthorized()),
        }
    }
}

/// A caller that must hold a token (every call but usernameless sign-in).
pub(crate) struct Bearer(pub TokenCaller);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match Caller::from_request_parts(parts, state).await? {
            Caller::Token(caller) => Ok(Bearer(*caller)),
            Caller::Tenant => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "This call needs the token from track: call setToken first.",
            )),
        }
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "The request is unauthorized. Send the token from track as a Bearer token, or the tenant id as Basic auth.",
    )
}

enum Credential {
    Bearer(String),
    Basic(String),
}

/// `Bearer <token>`, or `Basic <base64>` of the tenant id: the Web SDK sends
/// `base64(encodeURIComponent(tenantId))`, the mobile SDKs `base64url(tenantId + ":")`.
fn credential(headers: &HeaderMap) -> Option<Credential> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(Credential::Bearer(rest.to_owned()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = STANDARD
        .decode(rest)
        .or_else(|_| URL_SAFE.decode(rest))
        .ok()?;
    let decoded = String::from_utf8(bytes).ok()?;
    let username = decoded.split(':').next().unwrap_or_default();
    let tenant_id = percent_encoding::percent_decode_str(username)
        .decode_utf8()
        .ok()?;
    Some(Credential::Basic(tenant_id.into_owned()))
}

async fn token_caller(state: &AppState, token: &str) -> Result<TokenCaller, ApiError> {
    let invalid = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The token is invalid.",
        )
    };
    // Only tokens this sandbox signed for the app; the pre-built UI's session tokens don't count.
    let claims = match state.signer.verify(token) {
        Ok(claims) if claims.kind == TokenKind::Action => claims,
        _ => return Err(invalid()),
    };
    let now = state.clock.now_for(&claims.sub);
    if claims.is_expired(now) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "expired_token",
            "The token has expired. Track a new action to get a new one.",
        ));
    }
    let key = ActionKey {
        user_id: claims.sub.clone(),
        action_code: claims.action_code.clone(),
        idempotency_key: claims.idempotency_key.clone(),
    };
    // The user (and so the action) may have been deleted since.
    let action = state.store.find_action(&key).await?.ok_or_else(invalid)?;
    if !ui_may_continue(&action.state) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "action_not_allowed",
            format!(
                "The action is {}: nothing can be enrolled or verified with its token.",
                action.state
            ),
        ));
    }
    Ok(TokenCaller {
        claims,
        action,
        now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(value: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value.parse().expect("header"));
        match credential(&headers)? {
            Credential::Basic(tenant) => Some(tenant),
            Credential::Bearer(_) => None,
        }
    }

    #[test]
    fn reads_the_tenant_id_as_each_sdk_sends_it() {
        // Web SDK: btoa(encodeURIComponent("sandbox-tenant")).
        assert_eq!(
            basic("Basic c2FuZGJveC10ZW5hbnQ=").as_deref(),
            Some("sandbox-tenant")
        );
        // Mobile SDKs: base64url("sandbox-tenant:").
        assert_eq!(
            basic("Basic c2FuZGJveC10ZW5hbnQ6").as_deref(),
            Some("sandbox-tenant")
        );
        // encodeURIComponent of a space.
        assert_eq!(basic("Basic YSUyMGI=").as_deref(), Some("a b"));
        assert_eq!(basic("Basic !!!"), None);
    }
}
