//! Enrollment screens: choose a method, then prove you control it (email or SMS code,
//! or a code from an authenticator app).

use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};

use super::codes::{
    check_guess, code_form_html, failure_message, send_code, sent_intro, standing_problem,
    CodeScreen,
};
use super::context::{UiContext, UiError};
use super::extract::{MayAdd, Ui};
use super::html::{alert, page};
use super::qr::qr_svg;
use super::{after_verification, UiParams};
use crate::domain::{Email, Method, PhoneNumber};
use crate::otp::CodeCheck;
use crate::store::{NewAuthenticator, PURPOSE_ENROLL};
use crate::totp;

/// `GET /ui/enroll`: the method choice.
pub(crate) async fn choose_method(Ui { ctx, .. }: Ui<MayAdd>) -> Response {
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
    page(
        StatusCode::OK,
        title,
        html! {
            h1 { (title) }
            p { (intro) }
            @if available.is_empty() {
                p { "You've already set up every method the sandbox offers." }
            } @else {
                div class="choices" {
                    @for method in &available { (method_choice(&ctx, *method)) }
                }
            }
            // Only a way back when adding from the settings screen; this is the first screen otherwise.
            @if ctx.is_enrolled() { (back_link(&ctx)) }
        },
    )
}

/// One method's button on the choice screen, with its hint.
fn method_choice(ctx: &UiContext, method: Method) -> Markup {
    let (path, hint) = match method {
        Method::Sms => ("/enroll/sms", "Get a code by text message"),
        Method::AuthenticatorApp => (
            "/enroll/app",
            "Use an app like Google Authenticator or 1Password",
        ),
        Method::Passkey => (
            "/enroll/passkey",
            "Use this device's fingerprint, face or screen lock",
        ),
        _ => ("/enroll/email", "Get a code by email"),
    };
    let hint_id = format!("hint-{}", method.as_str().to_lowercase());
    // An address from track skips its step: the choice itself sends the code.
    let form_method = if prefilled(ctx, method).is_some() {
        "post"
    } else {
        "get"
    };
    html! {
        form method=(form_method) action=(ctx.action_url(path)) {
            (ctx.hidden_token())
            button type="submit" class="choice" aria-describedby=(hint_id) { (method.label()) }
            span class="hint" id=(hint_id) { (hint) }
        }
    }
}

/// "Back to your authenticators" when enrollment started from the settings screen.
pub(crate) fn back_link(ctx: &UiContext) -> Markup {
    let (path, text) = if ctx.is_enrolled() && ctx.action.redirect_to_settings {
        ("/settings", "Back to your authenticators")
    } else {
        ("/enroll", "Choose a different method")
    };
    html! { p class="links" { a href=(ctx.url(path, &[])) { (text) } } }
}

/// The address track gave for `method` (`email` / `phoneNumber`), if it is usable: the
/// UI then skips the address step for that method.
fn prefilled(ctx: &UiContext, method: Method) -> Option<String> {
    let channel = Channel::of(method)?;
    channel.parse(channel.given_by_track(ctx)?).ok()
}

/// The two methods enrolled by sending a code to an address the user gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    Email,
    Sms,
}

impl Channel {
    fn of(method: Method) -> Option<Channel> {
        match method {
            Method::EmailOtp => Some(Channel::Email),
            Method::Sms => Some(Channel::Sms),
            _ => None,
        }
    }

    fn method(self) -> Method {
        match self {
            Channel::Email => Method::EmailOtp,
            Channel::Sms => Method::Sms,
        }
    }

    /// The address as track gave it.
    fn given_by_track(self, ctx: &UiContext) -> Option<&str> {
        match self {
            Channel::Email => ctx.action.email.as_deref(),
            Channel::Sms => ctx.action.phone_number.as_deref(),
        }
    }

    /// What the address field starts with: track's address, else the user's.
    fn suggestion(self, ctx: &UiContext) -> String {
        let user = ctx.user.as_ref();
        let from_user = match self {
            Channel::Email => user.and_then(|u| u.email.clone()),
            Channel::Sms => user.and_then(|u| u.phone_number.clone()),
        };
        self.given_by_track(ctx)
            .map(str::to_owned)
            .or(from_user)
            .unwrap_or_default()
    }

    /// The address field of a submitted form.
    fn submitted(self, params: UiParams) -> Option<String> {
        match self {
            Channel::Email => params.email,
            Channel::Sms => params.phone_number,
        }
    }

    /// The address in its normal form, or what is wrong with it.
    fn parse(self, raw: &str) -> Result<String, String> {
        match self {
            Channel::Email => Email::parse(raw).map(|e| e.as_str().to_owned()),
            Channel::Sms => PhoneNumber::parse(raw).map(|p| p.as_str().to_owned()),
        }
    }
}

/// The email address or phone number step.
fn contact_page(ctx: &UiContext, channel: Channel, value: &str, problem: Option<&str>) -> Response {
    // `kind` is both the input's type and its autocomplete hint.
    let (title, intro, path, field, label, kind) = match channel {
        Channel::Sms => (
            "Text message",
            "Enter your mobile number in international format. We'll text you a 6-digit code.",
            "/enroll/sms",
            "phoneNumber",
            "Phone number",
            "tel",
        ),
        Channel::Email => (
            "Email",
            "Enter your email address. We'll send you a 6-digit code.",
            "/enroll/email",
            "email",
            "Email address",
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
        html! {
            h1 { (title) }
            @if let Some(problem) = problem { (alert(problem)) }
            p { (intro) }
            form method="post" action=(ctx.action_url(path)) novalidate {
                (ctx.hidden_token())
                label for=(field) { (label) }
                input type=(kind) id=(field) name=(field) value=(value) autocomplete=(kind) required autofocus;
                button type="submit" class="wide" { "Continue" }
            }
            (back_link(ctx))
        },
    )
}

/// `GET /ui/enroll/email`, `/ui/enroll/sms`: the address step, skipped when track gave one.
pub(crate) async fn contact_form(channel: Channel, Ui { ctx, .. }: Ui<MayAdd>) -> Response {
    if prefilled(&ctx, channel.method()).is_some() {
        return ctx.go("/enroll", &[]);
    }
    contact_page(&ctx, channel, &channel.suggestion(&ctx), None)
}

/// `POST /ui/enroll/email`, `/ui/enroll/sms`: sends a code to the address.
pub(crate) async fn submit_contact(
    channel: Channel,
    Ui { ctx, params, .. }: Ui<MayAdd>,
) -> Result<Response, UiError> {
    let raw = prefilled(&ctx, channel.method())
        .or(channel.submitted(params))
        .unwrap_or_default();
    match channel.parse(&raw) {
        Ok(address) => {
            send_code(&ctx, PURPOSE_ENROLL, channel.method(), &address, None).await?;
            Ok(ctx.go("/enroll/verify", &[]))
        }
        Err(message) => Ok(contact_page(&ctx, channel, &raw, Some(&message))),
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
            intro: sent_intro("sent", destination),
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
        html! { p class="links" { a href=(ctx.url(change_path, &[])) { (change_label) } } }
    };
    page(
        status,
        title,
        html! {
            h1 { (title) }
            (form)
            (change)
        },
    )
}

pub(crate) async fn code_form(Ui { ctx, params, .. }: Ui<MayAdd>) -> Result<Response, UiError> {
    let Some(issued) = ctx
        .state
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

pub(crate) async fn submit_code(Ui { ctx, params, .. }: Ui<MayAdd>) -> Result<Response, UiError> {
    let Some(issued) = ctx
        .state
        .store
        .latest_code(&ctx.key(), PURPOSE_ENROLL, None)
        .await?
    else {
        return Ok(ctx.go("/enroll", &[]));
    };
    let method = Method::parse(&issued.verification_method).unwrap_or(Method::EmailOtp);
    let submitted = params.code.unwrap_or_default();
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

pub(crate) async fn resend_code(Ui { ctx, .. }: Ui<MayAdd>) -> Result<Response, UiError> {
    let Some(issued) = ctx
        .state
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
    let uri = totp::otpauth_uri(secret, totp::ISSUER, &account);
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        "Authenticator app",
        html! {
            h1 { "Authenticator app" }
            @if let Some(problem) = problem { (alert(problem)) }
            p { "Scan this QR code with your authenticator app, or enter the secret key by hand. Then enter the 6-digit code the app shows." }
            div class="qr" { (qr_svg(&uri)) }
            p class="caption" aria-hidden="true" { "Secret key" }
            code class="secret" aria-label="Secret key" { (secret) }
            p class="caption" aria-hidden="true" { "Setup link" }
            code class="secret uri" aria-label="Setup URI" { (uri) }
            form method="post" action=(ctx.action_url("/enroll/app")) novalidate {
                (ctx.hidden_token())
                label for="code" { "Verification code" }
                input type="text" id="code" name="code" class="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12";
                button type="submit" class="wide" { "Verify" }
            }
            (back_link(ctx))
        },
    )
}

pub(crate) async fn app_form(Ui { ctx, .. }: Ui<MayAdd>) -> Result<Response, UiError> {
    let pending = ctx
        .state
        .store
        .get_or_create_pending_totp(&ctx.key(), &totp::generate_secret(), ctx.now_ms())
        .await?;
    Ok(app_page(&ctx, &pending.secret, None))
}

pub(crate) async fn submit_app_code(
    Ui { ctx, params, .. }: Ui<MayAdd>,
) -> Result<Response, UiError> {
    let Some(pending) = ctx.state.store.pending_totp(&ctx.key()).await? else {
        return Ok(ctx.go("/enroll/app", &[]));
    };
    let submitted = params.code.unwrap_or_default();
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
    ctx.state.store.delete_pending_totp(&ctx.key()).await?;
    Ok(response)
}
