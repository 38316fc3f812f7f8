//! The settings screen ("Your authenticators"): add, remove, set default, done.

use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};

use super::context::{UiContext, UiError};
use super::extract::Ui;
use super::html::{alert, human_time, notice, page};
use crate::domain::{scope_bypasses_challenge, Method, Permission};
use crate::passkeys::passkey_name;
use crate::state::AppState;
use crate::store::{AuthenticatorRow, Removal};

const NOT_REMOVED: &str = "Nothing was removed: that is your only authenticator now, and without it you'd have no way to verify it's you. Add another authenticator first.";
const LAST_ONE_EXPLANATION: &str = "This is your only authenticator, so it can't be removed — without it you'd have no way to verify it's you. Add another authenticator first.";

/// Whether the settings screen may be shown yet; if not, where to go instead.
fn gate(ctx: &UiContext) -> Option<Response> {
    if !ctx.is_enrolled() {
        Some(ctx.go("/enroll", &[]))
    } else if !ctx.action.redirect_to_settings {
        Some(ctx.go("/next", &[]))
    } else if !ctx.verified_in_ui() && !scope_bypasses_challenge(&ctx.action.scope) {
        Some(ctx.go("/challenge", &[]))
    } else {
        None
    }
}

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "added" => Some("Authenticator added."),
        "removed" => Some("Authenticator removed."),
        "default" => Some("Default method updated."),
        _ => None,
    }
}

fn settings_html(ctx: &UiContext, info: Option<&str>, problem: Option<&str>) -> Markup {
    let only_one = ctx.authenticators.len() == 1;
    html! {
        h1 { "Your authenticators" }
        @if let Some(info) = info { (notice(info)) }
        @if let Some(problem) = problem { (alert(problem)) }
        p { "These are the ways you can verify it's you." }
        ul class="authenticators" {
            @for a in ctx.authenticators_default_first() { (authenticator_item(ctx, a, only_one)) }
        }
        @if only_one {
            p id="last-one" class="hint" { (LAST_ONE_EXPLANATION) }
        }
        div class="footer-actions" {
            form method="get" action=(ctx.action_url("/enroll")) {
                (ctx.hidden_token())
                button type="submit" class="secondary" { "Add authenticator" }
            }
            form method="post" action=(ctx.action_url("/done")) {
                (ctx.hidden_token())
                button type="submit" { "Done" }
            }
        }
    }
}

/// One authenticator's row: what it is, when it was added and used, and its buttons.
fn authenticator_item(ctx: &UiContext, a: &AuthenticatorRow, only_one: bool) -> Markup {
    let label = Method::parse(&a.verification_method)
        .map(Method::label)
        .unwrap_or(a.verification_method.as_str());
    let is_default = ctx.default_method().as_ref() == Some(&a.verification_method);
    let detail = a
        .email
        .clone()
        .or_else(|| a.phone_number.clone())
        .or_else(|| passkey_name(a))
        .unwrap_or_default();
    // Enrolling counts as a use; only say "last used" for later uses.
    let last_used = a.last_verified_at.filter(|at| *at != a.created_at);
    let hidden = html! {
        (ctx.hidden_token())
        input type="hidden" name="authenticatorId" value=(a.authenticator_id);
    };
    html! {
        li {
            div {
                span class="method" { (label) }
                @if is_default { span class="badge" { "Default" } }
                span class="detail" { (detail) }
                span class="meta" {
                    "Added " (human_time(a.created_at))
                    @if let Some(at) = last_used { " · last used " (human_time(at)) }
                }
            }
            div class="row-actions" {
                @if !is_default {
                    form method="post" action=(ctx.action_url("/settings/default")) {
                        (hidden)
                        button type="submit" class="secondary small" { "Set as default" }
                    }
                }
                form method="post" action=(ctx.action_url("/settings/remove")) {
                    (hidden)
                    // The last one can't go: disabled, with the reason announced alongside.
                    button type="submit" class="danger small" disabled[only_one] aria-describedby=[only_one.then_some("last-one")] { "Remove" }
                }
            }
        }
    }
}

/// `GET /ui/settings`.
pub(crate) async fn settings_page(Ui { ctx, params, .. }: Ui) -> Response {
    if let Some(elsewhere) = gate(&ctx) {
        return elsewhere;
    }
    page(
        StatusCode::OK,
        "Your authenticators",
        settings_html(&ctx, notice_text(params.notice.as_deref()), None),
    )
}

/// `POST /ui/settings/remove`.
pub(crate) async fn remove(Ui { ctx, params, .. }: Ui) -> Result<Response, UiError> {
    if let Some(elsewhere) = gate(&ctx) {
        return Ok(elsewhere);
    }
    ctx.require(Permission::Remove)?;
    let Some(target) = params
        .authenticator_id
        .filter(|id| ctx.authenticators.iter().any(|a| &a.authenticator_id == id))
    else {
        return Ok(ctx.go("/settings", &[]));
    };
    let removal = ctx
        .state
        .store
        .delete_authenticator_keeping_one(&ctx.claims.sub, &target, ctx.now_ms())
        .await?;
    match removal {
        // Not found: a parallel request removed it first.
        Removal::Removed | Removal::NotFound => Ok(ctx.go("/settings", &[("notice", "removed")])),
        Removal::Kept => not_removed(&ctx.state, &ctx).await,
    }
}

/// The settings screen as it is now (a parallel removal may have changed it), saying
/// that nothing was removed.
async fn not_removed(state: &AppState, ctx: &UiContext) -> Result<Response, UiError> {
    let now = UiContext::load(state, Some(&ctx.ui_token)).await?;
    Ok(page(
        StatusCode::CONFLICT,
        "Your authenticators",
        settings_html(&now, None, Some(NOT_REMOVED)),
    ))
}

/// `POST /ui/settings/default`.
pub(crate) async fn make_default(Ui { ctx, params, .. }: Ui) -> Result<Response, UiError> {
    if let Some(elsewhere) = gate(&ctx) {
        return Ok(elsewhere);
    }
    ctx.require(Permission::Update)?;
    let target = params
        .authenticator_id
        .and_then(|id| ctx.authenticators.iter().find(|a| a.authenticator_id == id));
    let Some(target) = target else {
        return Ok(ctx.go("/settings", &[]));
    };
    ctx.state
        .store
        .set_default_method(&ctx.claims.sub, &target.verification_method, ctx.now_ms())
        .await?;
    Ok(ctx.go("/settings", &[("notice", "default")]))
}

/// `POST /ui/done`: back to the app.
pub(crate) async fn done(Ui { ctx, .. }: Ui) -> Response {
    ctx.finish()
}
