//! Challenge: verify with one of the user's passkeys.

use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use webauthn_rs::prelude::{Passkey, PasskeyAuthentication, PublicKeyCredential};

use super::{
    credential_id_text, internal, start_ceremony, still_fresh, stored_passkey, Ceremony,
    CeremonyScreen, NEEDS_JAVASCRIPT, STALE_REQUEST,
};
use crate::domain::Method;
use crate::otp::MAX_FAILED_ATTEMPTS;
use crate::store::{AuthenticatorRow, CEREMONY_AUTHENTICATE};
use crate::ui::after_verification;
use crate::ui::challenge::{is_locked, locked_page, other_ways};
use crate::ui::codes::attempts_left;
use crate::ui::context::{UiContext, UiError};
use crate::ui::extract::Ui;
use crate::ui::html::{alert, page};

const NOT_VERIFIED: &str = "That passkey couldn't be verified. Try again, or verify another way.";

fn is_passkey(authenticator: &AuthenticatorRow) -> bool {
    authenticator.verification_method == Method::Passkey.as_str()
}

/// Starts an authentication with every passkey the user has (any of them will do) and
/// renders the page that runs it.
pub(crate) async fn challenge_page(
    ctx: &UiContext,
    shown: &AuthenticatorRow,
    problem: Option<&str>,
) -> Result<Response, UiError> {
    if is_locked(ctx, Method::Passkey).await? {
        return Ok(locked_page(ctx, shown));
    }
    let others = other_ways(ctx, shown);
    let webauthn = match ctx.state.relying_party.webauthn() {
        Ok(webauthn) => webauthn,
        Err(reason) => {
            return Ok(page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Verify it's you",
                html! {
                    h1 { "Verify it's you" }
                    (alert(reason))
                    @if let Some(others) = others { (others) }
                },
            ))
        }
    };
    let passkeys: Vec<Passkey> = ctx
        .authenticators
        .iter()
        .filter(|a| is_passkey(a))
        .filter_map(stored_passkey)
        .collect();
    let (options, state) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(internal("cannot start a passkey authentication"))?;
    let (status, form) = start_ceremony(
        ctx,
        CEREMONY_AUTHENTICATE,
        &state,
        &options,
        &CeremonyScreen {
            ceremony: Ceremony::Get,
            intro:
                "Use your passkey: this device will ask for your fingerprint, face or screen lock.",
            submit_path: "/challenge/passkey",
            button: "Use passkey",
            problem,
        },
    )
    .await?;
    Ok(page(
        status,
        "Verify it's you",
        html! {
            h1 { "Verify it's you" }
            (form)
            @if let Some(others) = others { (others) }
        },
    ))
}

/// `POST /ui/challenge/passkey`: checks the assertion against the started ceremony.
pub(crate) async fn submit(Ui { ctx, params, .. }: Ui) -> Result<Response, UiError> {
    let Some(shown) = ctx.authenticators.iter().find(|a| is_passkey(a)) else {
        return Ok(ctx.go("/challenge", &[]));
    };
    let Ok(webauthn) = ctx.state.relying_party.webauthn() else {
        return challenge_page(&ctx, shown, None).await;
    };
    // Checked before anything else, so a locked challenge says so whatever was sent.
    if is_locked(&ctx, Method::Passkey).await? {
        return Ok(locked_page(&ctx, shown));
    }
    let raw = params.credential.unwrap_or_default();
    if raw.trim().is_empty() {
        return challenge_page(&ctx, shown, Some(NEEDS_JAVASCRIPT)).await;
    }
    let Ok(credential) = serde_json::from_str::<PublicKeyCredential>(&raw) else {
        return challenge_page(&ctx, shown, Some(NOT_VERIFIED)).await;
    };
    let ceremony = ctx
        .state
        .store
        .take_ceremony(&ctx.key(), CEREMONY_AUTHENTICATE)
        .await?;
    let Some(ceremony) = ceremony.filter(|c| still_fresh(&ctx, c)) else {
        return challenge_page(&ctx, shown, Some(STALE_REQUEST)).await;
    };
    let authentication: PasskeyAuthentication = serde_json::from_str(&ceremony.state)
        .map_err(internal("stored passkey authentication is unreadable"))?;
    // Spent before the check, so parallel answers get no more than the allowed checks.
    let Some(spent) = ctx
        .state
        .store
        .spend_challenge_attempt(&ctx.key(), Method::Passkey.as_str(), MAX_FAILED_ATTEMPTS)
        .await?
    else {
        return Ok(locked_page(&ctx, shown));
    };
    let not_verified = format!(
        "{NOT_VERIFIED} {}",
        attempts_left(MAX_FAILED_ATTEMPTS - spent)
    );
    let result = match webauthn.finish_passkey_authentication(&credential, &authentication) {
        Ok(result) => result,
        Err(e) => {
            tracing::info!(error = %e, "passkey authentication refused");
            return challenge_page(&ctx, shown, Some(&not_verified)).await;
        }
    };
    // The ceremony only accepts the user's own credentials, so this finds one.
    let used_id = credential_id_text(result.cred_id());
    let used = ctx
        .authenticators
        .iter()
        .filter(|a| a.credential_id.as_deref() == Some(used_id.as_str()))
        .find_map(|a| stored_passkey(a).map(|passkey| (a, passkey)));
    let Some((used, mut passkey)) = used else {
        return challenge_page(&ctx, shown, Some(&not_verified)).await;
    };
    // Keeps the signature counter and backup state the authenticator just reported.
    passkey.update_credential(&result);
    let passkey = serde_json::to_string(&passkey).map_err(internal("cannot store a passkey"))?;
    ctx.state
        .store
        .record_passkey_use(used, &passkey, ctx.now_ms())
        .await?;
    ctx.state
        .store
        .clear_challenge_attempts(&ctx.key(), Method::Passkey.as_str())
        .await?;
    ctx.state
        .store
        .mark_verified_in_ui(&ctx.key(), Method::Passkey.as_str(), ctx.now_ms())
        .await?;
    Ok(after_verification(&ctx, None))
}
