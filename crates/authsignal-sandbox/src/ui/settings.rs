//! The settings screen ("Your authenticators"): add, remove, set default, done.

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::context::{UiContext, UiError};
use super::html::{alert, escape, human_time, notice, page};
use super::UiParams;
use crate::domain::{scope_bypasses_challenge, Method, Permission};
use crate::passkeys::{aaguid_mapping, PasskeyDetails};
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

/// A passkey by its provider ("Google Password Manager"), else by its own name.
fn passkey_name(a: &AuthenticatorRow) -> Option<String> {
    let details = PasskeyDetails::of(a)?;
    details
        .aaguid
        .as_deref()
        .and_then(aaguid_mapping)
        .map(|m| m.name)
        .or(Some(details.name))
}

fn settings_html(ctx: &UiContext, info: Option<&str>, problem: Option<&str>) -> String {
    let only_one = ctx.authenticators.len() == 1;
    let default = ctx.default_method();
    let items: String = ctx
        .authenticators_default_first()
        .into_iter()
        .map(|a| {
            let label = Method::parse(&a.verification_method).map(Method::label).unwrap_or(a.verification_method.as_str());
            let is_default = Some(&a.verification_method) == default.as_ref();
            let detail = a.email.clone().or_else(|| a.phone_number.clone()).or_else(|| passkey_name(a)).unwrap_or_default();
            // Enrolling counts as a use; only say "last used" for later uses.
            let last_used = a
                .last_verified_at
                .filter(|at| *at != a.created_at)
                .map(|at| format!(" · last used {}", human_time(at)))
                .unwrap_or_default();
            let hidden = format!(r#"{}<input type="hidden" name="authenticatorId" value="{}">"#, ctx.hidden_token(), escape(&a.authenticator_id));
            let make_default = if is_default {
                String::new()
            } else {
                format!(
                    r#"<form method="post" action="{}">{hidden}<button type="submit" class="secondary small">Set as default</button></form>"#,
                    escape(&ctx.action_url("/settings/default"))
                )
            };
            // The last one can't go: disabled, with the reason announced alongside.
            let remove_attrs = if only_one { r#" disabled aria-describedby="last-one""# } else { "" };
            format!(
                r#"<li><div><span class="method">{label}</span>{badge}<span class="detail">{detail}</span><span class="meta">Added {added}{last_used}</span></div>
<div class="row-actions">{make_default}<form method="post" action="{remove_action}">{hidden}<button type="submit" class="danger small"{remove_attrs}>Remove</button></form></div></li>"#,
                badge = if is_default { r#"<span class="badge">Default</span>"# } else { "" },
                detail = escape(&detail),
                added = human_time(a.created_at),
                remove_action = escape(&ctx.action_url("/settings/remove")),
            )
        })
        .collect();
    let last_one = if only_one {
        format!(r#"<p id="last-one" class="hint">{LAST_ONE_EXPLANATION}</p>"#)
    } else {
        String::new()
    };
    format!(
        r#"<h1>Your authenticators</h1>{info}{problem}
<p>These are the ways you can verify it's you.</p>
<ul class="authenticators">{items}</ul>{last_one}
<div class="footer-actions">
<form method="get" action="{add_action}">{token}<button type="submit" class="secondary">Add authenticator</button></form>
<form method="post" action="{done_action}">{token}<button type="submit">Done</button></form>
</div>"#,
        info = info.map(notice).unwrap_or_default(),
        problem = problem.map(alert).unwrap_or_default(),
        add_action = escape(&ctx.action_url("/enroll")),
        done_action = escape(&ctx.action_url("/done")),
        token = ctx.hidden_token(),
    )
}

/// `GET /ui/settings`.
pub(crate) async fn settings_page(
    State(state): State<AppState>,
    Query(params): Query<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, params.s.as_deref()).await?;
    if let Some(elsewhere) = gate(&ctx) {
        return Ok(elsewhere);
    }
    Ok(page(
        StatusCode::OK,
        "Your authenticators",
        &settings_html(&ctx, notice_text(params.notice.as_deref()), None),
    ))
}

/// `POST /ui/settings/remove`.
pub(crate) async fn remove(
    State(state): State<AppState>,
    Form(form): Form<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, form.s.as_deref()).await?;
    if let Some(elsewhere) = gate(&ctx) {
        return Ok(elsewhere);
    }
    ctx.require(Permission::Remove)?;
    let Some(target) = form
        .authenticator_id
        .filter(|id| ctx.authenticators.iter().any(|a| &a.authenticator_id == id))
    else {
        return Ok(ctx.go("/settings", &[]));
    };
    let removal = state
        .store
        .delete_authenticator_keeping_one(&ctx.claims.sub, &target)
        .await?;
    match removal {
        // Not found: a parallel request removed it first.
        Removal::Removed | Removal::NotFound => Ok(ctx.go("/settings", &[("notice", "removed")])),
        Removal::Kept => not_removed(&state, &ctx).await,
    }
}

/// The settings screen as it is now (a parallel removal may have changed it), saying
/// that nothing was removed.
async fn not_removed(state: &AppState, ctx: &UiContext) -> Result<Response, UiError> {
    let now = UiContext::load(state, Some(&ctx.ui_token)).await?;
    Ok(page(
        StatusCode::CONFLICT,
        "Your authenticators",
        &settings_html(&now, None, Some(NOT_REMOVED)),
    ))
}

/// `POST /ui/settings/default`.
pub(crate) async fn make_default(
    State(state): State<AppState>,
    Form(form): Form<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, form.s.as_deref()).await?;
    if let Some(elsewhere) = gate(&ctx) {
        return Ok(elsewhere);
    }
    ctx.require(Permission::Update)?;
    let target = form
        .authenticator_id
        .and_then(|id| ctx.authenticators.iter().find(|a| a.authenticator_id == id));
    let Some(target) = target else {
        return Ok(ctx.go("/settings", &[]));
    };
    state
        .store
        .set_default_method(&ctx.claims.sub, &target.verification_method)
        .await?;
    Ok(ctx.go("/settings", &[("notice", "default")]))
}

/// `POST /ui/done`: back to the app.
pub(crate) async fn done(
    State(state): State<AppState>,
    Form(form): Form<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, form.s.as_deref()).await?;
    Ok(ctx.finish())
}
