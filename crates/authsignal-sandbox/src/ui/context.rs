//! One pre-built UI request: who it is for (from the signed UI token), what they have,
//! what they may change, and how the UI ends (the redirect back to the app).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use time::{Duration, OffsetDateTime};

use super::html::{page, return_link, PopupFrame};
use super::popup::{done_page, frame_pages};
use crate::clock::to_millis;
use crate::domain::{
    scope_bypasses_challenge, scope_grants, ui_may_continue, Permission, BINDING_WINDOW,
};
use crate::state::AppState;
use crate::store::{ActionKey, ActionRow, AuthenticatorRow, UserRow};
use crate::token::{Claims, TokenKind, ACTION_TOKEN_LIFETIME};

/// How long the UI keeps working once opened from a (10-minute) track token.
pub(crate) const UI_SESSION_LIFETIME: Duration = Duration::minutes(30);

/// Everything a UI handler needs about the current visit.
pub(crate) struct UiContext {
    pub state: AppState,
    pub ui_token: String,
    pub claims: Claims,
    pub action: ActionRow,
    pub user: Option<UserRow>,
    pub authenticators: Vec<AuthenticatorRow>,
    pub now: OffsetDateTime,
    /// Set when the visit runs in the app's popup (`&mode=popup`).
    pub popup: Option<PopupFrame>,
}

/// Where the UI goes next, from what the user has and has done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Screen {
    Enroll,
    Challenge,
    Settings,
    Finish,
}

pub(crate) fn next_screen(
    has_authenticators: bool,
    verified_in_ui: bool,
    scope_bypass: bool,
    redirect_to_settings: bool,
) -> Screen {
    if !has_authenticators {
        Screen::Enroll
    } else if redirect_to_settings && (verified_in_ui || scope_bypass) {
        Screen::Settings
    } else if !verified_in_ui {
        Screen::Challenge
    } else {
        Screen::Finish
    }
}

impl UiContext {
    /// Resolves the `s` parameter every UI page and form carries.
    pub(crate) async fn load(
        state: &AppState,
        ui_token: Option<&str>,
    ) -> Result<UiContext, UiError> {
        let ui_token = ui_token
            .filter(|t| !t.is_empty())
            .ok_or(UiError::InvalidLink)?;
        let claims = match state.signer.verify(ui_token) {
            Ok(claims) if claims.kind == TokenKind::Ui => claims,
            _ => return Err(UiError::InvalidLink),
        };
        let now = state.clock.now_for(&claims.sub);
        let key = ActionKey {
            user_id: claims.sub.clone(),
            action_code: claims.action_code.clone(),
            idempotency_key: claims.idempotency_key.clone(),
        };
        let action = state
            .store
            .find_action(&key)
            .await?
            .ok_or(UiError::InvalidLink)?;
        let popup = frame_pages(
            claims.popup,
            &state.config.public_url,
            action.redirect_url.as_deref(),
        );
        if claims.is_expired(now) {
            return Err(UiError::Expired {
                return_url: action.redirect_url,
            });
        }
        if !ui_may_continue(&action.state) {
            return Err(UiError::NotAllowed {
                state: action.state,
                return_url: action.redirect_url,
            });
        }
        let user = state.store.find_user(&claims.sub).await?;
        let authenticators = state.store.list_authenticators(&claims.sub).await?;
        Ok(UiContext {
            state: state.clone(),
            ui_token: ui_token.to_owned(),
            claims,
            action,
            user,
            authenticators,
            now,
            popup,
        })
    }

    pub(crate) fn key(&self) -> ActionKey {
        self.action.key()
    }

    pub(crate) fn now_ms(&self) -> i64 {
        to_millis(self.now)
    }

    /// `{public_url}/ui{path}?s=…` plus extra query pairs.
    pub(crate) fn url(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut url = format!(
            "{}/ui{path}?s={}",
            self.state.config.public_url, self.ui_token
        );
        for (name, value) in extra {
            url.push('&');
            url.push_str(name);
            url.push('=');
            url.extend(percent_encoding::utf8_percent_encode(
                value,
                percent_encoding::NON_ALPHANUMERIC,
            ));
        }
        url
    }

    /// Form `action` attribute for a UI path.
    pub(crate) fn action_url(&self, path: &str) -> String {
        format!("{}/ui{path}", self.state.config.public_url)
    }

    /// The hidden field that carries the UI token in every form.
    pub(crate) fn hidden_token(&self) -> Markup {
        html! { input type="hidden" name="s" value=(self.ui_token); }
    }

    pub(crate) fn is_enrolled(&self) -> bool {
        !self.authenticators.is_empty()
    }

    pub(crate) fn verified_in_ui(&self) -> bool {
        self.action.ui_verified_at.is_some()
    }

    fn verified_recently(&self) -> bool {
        self.action
            .ui_verified_at
            .is_some_and(|at| self.now_ms() - at < BINDING_WINDOW.whole_milliseconds() as i64)
    }

    pub(crate) fn default_method(&self) -> Option<String> {
        crate::store::default_method(self.user.as_ref(), &self.authenticators)
    }

    /// The default authenticator first, then the rest in the order they were added.
    pub(crate) fn authenticators_default_first(&self) -> Vec<&AuthenticatorRow> {
        let default = self.default_method();
        let mut list: Vec<&AuthenticatorRow> = self.authenticators.iter().collect();
        list.sort_by_key(|a| Some(&a.verification_method) != default.as_ref());
        list
    }

    pub(crate) fn screen(&self) -> Screen {
        next_screen(
            self.is_enrolled(),
            self.verified_in_ui(),
            scope_bypasses_challenge(&self.action.scope),
            self.action.redirect_to_settings,
        )
    }

    /// Authenticator binding: changing an enrolled account needs a challenge completed in
    /// this UI within the window, or a token scope that grants the change.
    pub(crate) fn require(&self, permission: Permission) -> Result<(), UiError> {
        if !self.is_enrolled()
            || scope_grants(&self.action.scope, permission)
            || self.verified_recently()
        {
            return Ok(());
        }
        Err(UiError::NeedsReverification {
            challenge_url: self.url("/challenge", &[]),
            settings_url: self
                .action
                .redirect_to_settings
                .then(|| self.url("/settings", &[])),
        })
    }

    /// A 303 to another UI screen.
    pub(crate) fn go(&self, path: &str, extra: &[(&str, &str)]) -> Response {
        see_other(&self.url(path, extra))
    }

    /// Ends the UI: back to the app's `redirectUrl` with a fresh token, and nowhere else
    /// (in popup mode, posted to the app's window by the done page).
    pub(crate) fn finish(&self) -> Response {
        let token = self.state.signer.sign(&Claims {
            kind: TokenKind::Action,
            iat: self.now.unix_timestamp(),
            exp: (self.now + ACTION_TOKEN_LIFETIME).unix_timestamp(),
            popup: false,
            ..self.claims.clone()
        });
        let return_url = self
            .action
            .redirect_url
            .as_deref()
            .and_then(|raw| url::Url::parse(raw).ok());
        match return_url {
            Some(mut url) => {
                url.query_pairs_mut().append_pair("token", &token);
                if self.popup.is_some() {
                    done_page(&token, url.as_str())
                } else {
                    see_other(url.as_str())
                }
            }
            None => page(
                StatusCode::OK,
                "All done",
                html! {
                    h1 { "All done" }
                    p { "You're verified. You can close this window and return to the app." }
                },
            ),
        }
    }
}

/// Why an action the UI refuses can't go on, in the user's words.
fn not_allowed_reason(state: &str) -> &'static str {
    match state {
        "BLOCK" => "For your security, this action has been blocked.",
        "REVIEW_REQUIRED" => "This action is waiting to be reviewed.",
        _ => "This action has already been decided.",
    }
}

pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// What can stop a UI request, each with a page that says what to do next.
#[derive(Debug)]
pub(crate) enum UiError {
    /// Missing, forged or unknown token.
    InvalidLink,
    Expired {
        return_url: Option<String>,
    },
    /// The action is blocked or up for review: nothing the user does here may pass it.
    NotAllowed {
        state: String,
        return_url: Option<String>,
    },
    NeedsReverification {
        challenge_url: String,
        settings_url: Option<String>,
    },
    Internal,
}

impl From<sqlx::Error> for UiError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "sandbox database error in the pre-built UI");
        UiError::Internal
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        match self {
            UiError::InvalidLink => page(
                StatusCode::BAD_REQUEST,
                "Link not valid",
                html! {
                    h1 { "This link isn't valid" }
                    p { "It may have been copied incompletely, or it belongs to a different sandbox. Go back to the app and start again." }
                },
            ),
            UiError::Expired { return_url } => page(
                StatusCode::UNAUTHORIZED,
                "Link expired",
                html! {
                    h1 { "This link has expired" }
                    p { "For your security, links to manage your authenticators only work for a short time. Go back to the app and start again." }
                    @if let Some(url) = return_url { (return_link(&url)) }
                },
            ),
            UiError::NotAllowed { state, return_url } => page(
                StatusCode::FORBIDDEN,
                "Can't continue",
                html! {
                    h1 { "This can't continue here" }
                    p { (not_allowed_reason(&state)) " Go back to the app." }
                    @if let Some(url) = return_url { (return_link(&url)) }
                },
            ),
            UiError::NeedsReverification {
                challenge_url,
                settings_url,
            } => page(
                StatusCode::FORBIDDEN,
                "Verify it's you again",
                reverification_html(&challenge_url, settings_url.as_deref()),
            ),
            UiError::Internal => page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                html! {
                    h1 { "Something went wrong" }
                    p { "The sandbox couldn't complete that step. Nothing was changed; please try again." }
                },
            ),
        }
    }
}

/// The binding window has passed: verify again, or go back to the settings screen.
fn reverification_html(challenge_url: &str, settings_url: Option<&str>) -> Markup {
    html! {
        h1 { "Verify it's you again" }
        p {
            "For your security, changing your authenticators needs a recent verification. It's been more than "
            (BINDING_WINDOW.whole_minutes())
            " minutes since you last verified."
        }
        p { a class="button" href=(challenge_url) { "Verify again" } }
        @if let Some(url) = settings_url {
            p class="links" { a href=(url) { "Back to your authenticators" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens_follow_enrollment_verification_and_settings() {
        assert_eq!(next_screen(false, false, false, true), Screen::Enroll);
        assert_eq!(next_screen(true, false, false, true), Screen::Challenge);
        assert_eq!(next_screen(true, false, true, true), Screen::Settings);
        assert_eq!(next_screen(true, true, false, true), Screen::Settings);
        assert_eq!(next_screen(true, false, true, false), Screen::Challenge);
        assert_eq!(next_screen(true, true, false, false), Screen::Finish);
    }
}
