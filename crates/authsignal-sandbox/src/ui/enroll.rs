//! Enrollment screens: choose a method, then prove you control it (email or SMS code,
//! or a code from an authenticator app).

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::codes::{
    check_guess, code_form_html, failure_message, send_code, standing_problem, CodeScreen,
};
use super::context::{UiContext, UiError};
use super::html::{alert, escape, page};
use super::qr::qr_svg;
use super::{after_verification, UiParams};
use crate::domain::{Email, Method, Permission, PhoneNumber};
use crate::otp::CodeCheck;
use crate::state::AppState;
use crate::store::{NewAuthenticator, PURPOSE_ENROLL};
use crate::totp;

const TOTP_ISSUER: &str = "Authsignal Sandbox";

/// `GET /ui/enroll`: the method choice.
pub(crate) async fn choose_method(
    State(state): State<AppState>,
    Query(params): Query<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, params.s.as_deref()).await?;
    ctx.require(Permission::Add)?;
    // Every device has its own passkey, so "Passkey" stays on offer.
    let available: Vec<Method> = Method::UI_ENROLLABLE
        .into_iter()
        .filter(|m| {
            *m == Method::Passkey
                || !ctx
                    .authenticators
                    .iter()
                    .any(|a| a.verification_method == m.as_str())
        })
        .collect();
    let (title, intro) = if ctx.is_enrolled() {
        (
            "Add an authenticator",
            "Choose another way to verify it's you.",
        )
    } else {
        (
            "Set up an authenticator",
            "To keep your account secure, choose how you'd like to verify it's you.",
        )
    };
    let choices: String = available
        .iter()
        .map(|method| {
            let (path, hint) = match method {
                Method::Sms => ("/enroll/sms", "Get a code by text message"),
                Method::AuthenticatorApp => ("/enroll/app", "Use an app like Google Authenticator or 1Password"),
                Method::Passkey => ("/enroll/passkey", "Use this device's fingerprint, face or screen lock"),
                _ => ("/enroll/email", "Get a code by email"),
            };
            let hint_id = format!("hint-{}", method.as_str().to_lowercase());
            // An address from track skips its step: the choice itself sends the code.
            let form_method = if prefilled(&ctx, *method).is_some() { "post" } else { "get" };
            format!(
                r#"<form method="{form_method}" action="{action}">{token}<button type="submit" class="choice" aria-describedby="{hint_id}">{label}</button><span class="hint" id="{hint_id}">{hint}</span></form>"#,
                action = escape(&ctx.action_url(path)),
                token = ctx.hidden_token(),
                label = method.label(),
            )
        })
        .collect();
    let choices = if choices.is_empty() {
        "<p>You've already set up every method the sandbox offers.</p>".to_owned()
    } else {
        format!(r#"<div class="choices">{choices}</div>"#)
    };
    // Only a way back when adding from the settings screen; this is the first screen otherwise.
    let back = if ctx.is_enrolled() {
        back_link(&ctx)
    } else {
        String::new()
    };
    Ok(page(
        StatusCode::OK,
        title,
        &format!("<h1>{title}</h1><p>{intro}</p>{choices}{back}"),
    ))
}

/// "Back to your authenticators" when enrollment started from the settings screen.
pub(crate) fn back_link(ctx: &UiContext) -> String {
    if ctx.is_enrolled() && ctx.action.redirect_to_settings {
        format!(
            r#"<p class="links"><a href="{}">Back to your authenticators</a></p>"#,
            escape(&ctx.url("/settings", &[]))
        )
    } else {
        format!(
            r#"<p class="links"><a href="{}">Choose a different method</a></p>"#,
            escape(&ctx.url("/enroll", &[]))
        )
    }
}

/// The address track gave for `method` (`email` / `phoneNumber`), if it is usable: the
/// UI then skips the address step for that method.
fn prefilled(ctx: &UiContext, method: Method) -> Option<String> {
    match method {
        Method::EmailOtp => Email::parse(ctx.action.email.as_deref()?)
            .ok()
            .map(|e| e.as_str().to_owned()),
        Method::Sms => PhoneNumber::parse(ctx.action.phone_number.as_deref()?)
            .ok()
            .map(|p| p.as_str().to_owned()),
        _ => None,
    }
}

/// The email address or phone number step.
fn contact_page(ctx: &UiContext, method: Method, value: &str, problem: Option<&str>) -> Response {
    let (title, intro, path, field, label, input_type, autocomplete) = match method {
        Method::Sms => (
            "Text message",
            "Enter your mobile number in international format. We'll text you a 6-digit code.",
            "/enroll/sms",
            "phoneNumber",
            "Phone number",
            "tel",
            "tel",
        ),
        _ => (
            "Email",
            "Enter your email address. We'll send you a 6-digit code.",
            "/enroll/email",
            "email",
            "Email address",
            "email",
            "email",
        ),
    };
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        title,
        &format!(
            r#"<h1>{title}</h1>{problem}<p>{intro}</p>
<form method="post" action="{action}" novalidate>{token}
<label for="{field}">{label}</label>
<input type="{input_type}" id="{field}" name="{field}" value="{value}" autocomplete="{autocomplete}" required autofocus>
<button type="submit" class="wide">Continue</button>
</form>{back}"#,
            problem = problem.map(alert).unwrap_or_default(),
            action = escape(&ctx.action_url(path)),
            token = ctx.hidden_token(),
            value = escape(value),
            back = back_link(ctx),
        ),
    )
}

pub(crate) async fn email_form(
    State(state): State<AppState>,
    Query(params): Query<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, params.s.as_deref()).await?;
    ctx.require(Permission::Add)?;
    if prefilled(&ctx, Method::EmailOtp).is_some() {
        return Ok(ctx.go("/enroll", &[]));
    }
    let prefill = ctx
        .action
        .email
        .clone()
        .or_else(|| ctx.user.as_ref().and_then(|u| u.email.clone()))
        .unwrap_or_default();
    Ok(contact_page(&ctx, Method::EmailOtp, &prefill, None))
}

pub(crate) async fn sms_form(
    State(state): State<AppState>,
    Query(params): Query<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, params.s.as_deref()).await?;
    ctx.require(Permission::Add)?;
    if prefilled(&ctx, Method::Sms).is_some() {
        return Ok(ctx.go("/enroll", &[]));
    }
    let prefill = ctx
        .action
        .phone_number
        .clone()
        .or_else(|| ctx.user.as_ref().and_then(|u| u.phone_number.clone()))
        .unwrap_or_default();
    Ok(contact_page(&ctx, Method::Sms, &prefill, None))
}

pub(crate) async fn submit_email(
    State(state): State<AppState>,
    Form(form): Form<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, form.s.as_deref()).await?;
    ctx.require(Permission::Add)?;
    let raw = prefilled(&ctx, Method::EmailOtp)
        .or(form.email)
        .unwrap_or_default();
    match Email::parse(&raw) {
        Ok(email) => {
            send_code(&ctx, PURPOSE_ENROLL, Method::EmailOtp, email.as_str(), None).await?;
            Ok(ctx.go("/enroll/verify", &[]))
        }
        Err(message) => Ok(contact_page(&ctx, Method::EmailOtp, &raw, Some(&message))),
    }
}

pub(crate) async fn submit_phone(
    State(state): State<AppState>,
    Form(form): Form<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, form.s.as_deref()).await?;
    ctx.require(Permission::Add)?;
    let raw = prefilled(&ctx, Method::Sms)
        .or(form.phone_number)
        .unwrap_or_default();
    match PhoneNumber::parse(&raw) {
        Ok(phone) => {
            send_code(&ctx, PURPOSE_ENROLL, Method::Sms, phone.as_str(), None).await?;
            Ok(ctx.go("/enroll/verify", &[]))
        }
        Err(message) => Ok(contact_page(&ctx, Method::Sms, &raw, Some(&message))),
    }
}

/// The code step of email / SMS enrollment.
fn enroll_code_page(
    ctx: &UiContext,
    method: Method,
    destination: &str,
    problem: Option<String>,
    info: Option<String>,
) -> Response {
    let (title, change_path, change_label) = match method {
        Method::Sms => (
            "Check your phone",
            "/enroll/sms",
            "Use a different phone number",
        ),
        _ => (
            "Check your email",
            "/enroll/email",
            "Use a different email address",
        ),
    };
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let form = code_form_html(
        ctx,
        &CodeScreen {
            intro: format!(
                "We sent a 6-digit code to <strong>{}</strong>. It expires in 10 minutes.",
                escape(destination)
            ),
            submit_path: "/enroll/verify",
            resend_path: Some("/enroll/resend"),
            authenticator_id: None,
            problem,
            info,
        },
    );
    // The address track gave can't be changed here, only another method chosen.
    let change = if prefilled(ctx, method).is_some() {
        back_link(ctx)
    } else {
        format!(
            r#"<p class="links"><a href="{}">{change_label}</a></p>"#,
            escape(&ctx.url(change_path, &[]))
        )
    };
    page(status, title, &format!("<h1>{title}</h1>{form}{change}"))
}

pub(crate) async fn code_form(
    State(state): State<AppState>,
    Query(params): Query<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, params.s.as_deref()).await?;
    ctx.require(Permission::Add)?;
    let Some(issued) = state
        .store
        .latest_code(&ctx.key(), PURPOSE_ENROLL, None)
        .await?
    else {
        return Ok(ctx.go("/enroll", &[]));
    };
    let method = Method::parse(&issued.verification_method).unwrap_or(Method::EmailOtp);
    let info =
        (params.notice.as_deref() == Some("sent")).then(|| "We sent you a new code.".to_owned());
    Ok(enroll_code_page(
        &ctx,
        method,
        &issued.destination,
        standing_problem(&ctx, &issued),
        info,
    ))
}

pub(crate) async fn submit_code(
    State(state): State<AppState>,
    Form(form): Form<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, form.s.as_deref()).await?;
    ctx.require(Permission::Add)?;
    let Some(issued) = state
        .store
        .latest_code(&ctx.key(), PURPOSE_ENROLL, None)
        .await?
    else {
        return Ok(ctx.go("/enroll", &[]));
    };
    let method = Method::parse(&issued.verification_method).unwrap_or(Method::EmailOtp);
    let submitted = form.code.unwrap_or_default();
    if submitted.trim().is_empty() {
        return Ok(enroll_code_page(
            &ctx,
            method,
            &issued.destination,
            Some("Enter the 6-digit code.".to_owned()),
            None,
        ));
    }
    let outcome = check_guess(&ctx, &issued, &submitted).await?;
    if outcome != CodeCheck::Accepted {
        return Ok(enroll_code_page(
            &ctx,
            method,
            &issued.destination,
            failure_message(outcome),
            None,
        ));
    }
    let (email, phone_number) = match method {
        Method::Sms => (None, Some(issued.destination.clone())),
        _ => (Some(issued.destination.clone()), None),
    };
    let new = NewAuthenticator {
        user_id: ctx.claims.sub.clone(),
        verification_method: method.as_str().to_owned(),
        email,
        phone_number,
        ..NewAuthenticator::default()
    };
    complete_enrollment(&ctx, &new).await
}

pub(crate) async fn resend_code(
    State(state): State<AppState>,
    Form(form): Form<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, form.s.as_deref()).await?;
    ctx.require(Permission::Add)?;
    let Some(issued) = state
        .store
        .latest_code(&ctx.key(), PURPOSE_ENROLL, None)
        .await?
    else {
        return Ok(ctx.go("/enroll", &[]));
    };
    let method = Method::parse(&issued.verification_method).unwrap_or(Method::EmailOtp);
    send_code(&ctx, PURPOSE_ENROLL, method, &issued.destination, None).await?;
    Ok(ctx.go("/enroll/verify", &[("notice", "sent")]))
}

/// Stores the new authenticator and counts the enrollment as this action's verification.
pub(crate) async fn complete_enrollment(
    ctx: &UiContext,
    new: &NewAuthenticator,
) -> Result<Response, UiError> {
    let store = &ctx.state.store;
    store.enroll_authenticator(new, ctx.now_ms()).await?;
    store
        .mark_verified_in_ui(&ctx.key(), &new.verification_method, ctx.now_ms())
        .await?;
    Ok(after_verification(ctx, Some("added")))
}

/// The authenticator-app step: QR code, secret, URI and the first code.
fn app_page(ctx: &UiContext, secret: &str, problem: Option<&str>) -> Response {
    let account = ctx
        .user
        .as_ref()
        .and_then(|u| u.email.clone())
        .unwrap_or_else(|| ctx.claims.sub.clone());
    let uri = totp::otpauth_uri(secret, TOTP_ISSUER, &account);
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        "Authenticator app",
        &format!(
            r#"<h1>Authenticator app</h1>{problem}
<p>Scan this QR code with your authenticator app, or enter the secret key by hand. Then enter the 6-digit code the app shows.</p>
<div class="qr">{qr}</div>
<p class="caption" aria-hidden="true">Secret key</p>
<code class="secret" aria-label="Secret key">{secret}</code>
<p class="caption" aria-hidden="true">Setup link</p>
<code class="secret uri" aria-label="Setup URI">{uri}</code>
<form method="post" action="{action}" novalidate>{token}
<label for="code">Verification code</label>
<input type="text" id="code" name="code" class="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12">
<button type="submit" class="wide">Verify</button>
</form>{back}"#,
            problem = problem.map(alert).unwrap_or_default(),
            qr = qr_svg(&uri, "QR code for your authenticator app"),
            secret = escape(secret),
            uri = escape(&uri),
            action = escape(&ctx.action_url("/enroll/app")),
            token = ctx.hidden_token(),
            back = back_link(ctx),
        ),
    )
}

pub(crate) async fn app_form(
    State(state): State<AppState>,
    Query(params): Query<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, params.s.as_deref()).await?;
    ctx.require(Permission::Add)?;
    let pending = state
        .store
        .get_or_create_pending_totp(&ctx.key(), &totp::generate_secret(), ctx.now_ms())
        .await?;
    Ok(app_page(&ctx, &pending.secret, None))
}

pub(crate) async fn submit_app_code(
    State(state): State<AppState>,
    Form(form): Form<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, form.s.as_deref()).await?;
    ctx.require(Permission::Add)?;
    let Some(pending) = state.store.pending_totp(&ctx.key()).await? else {
        return Ok(ctx.go("/enroll/app", &[]));
    };
    let submitted = form.code.unwrap_or_default();
    let Some(step) =
        totp::accepted_step(&pending.secret, &submitted, ctx.now.unix_timestamp(), None)
    else {
        let message = if submitted.trim().is_empty() {
            "Enter the 6-digit code from your authenticator app."
        } else {
            "That code isn't right. Check the code your authenticator app shows now and try again."
        };
        return Ok(app_page(&ctx, &pending.secret, Some(message)));
    };
    let new = NewAuthenticator {
        user_id: ctx.claims.sub.clone(),
        verification_method: Method::AuthenticatorApp.as_str().to_owned(),
        totp_secret: Some(pending.secret),
        // The code used to enroll can't be used again for a challenge.
        last_totp_step: Some(step),
        ..NewAuthenticator::default()
    };
    let response = complete_enrollment(&ctx, &new).await?;
    state.store.delete_pending_totp(&ctx.key()).await?;
    Ok(response)
}
