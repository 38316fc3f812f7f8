//! Enrollment: register a passkey on this device.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;
use webauthn_rs::prelude::{CredentialID, PasskeyRegistration, RegisterPublicKeyCredential};

use super::{
    credential_id_text, internal, start_ceremony, still_fresh, stored_passkey, Ceremony,
    CeremonyScreen, NEEDS_JAVASCRIPT, STALE_REQUEST,
};
use crate::domain::Method;
use crate::ids::new_uuid;
use crate::passkeys::{
    self, aaguid_mapping, aaguid_of, parse_user_agent, start_registration, PasskeyDetails,
};
use crate::store::{NewAuthenticator, CEREMONY_REGISTER};
use crate::ui::context::{UiContext, UiError};
use crate::ui::enroll::{back_link, complete_enrollment};
use crate::ui::extract::{MayAdd, Ui};
use crate::ui::html::{alert, page};

const NOT_VERIFIED: &str =
    "That passkey couldn't be verified, so nothing was saved. Try again, or choose another method.";
const ALREADY_YOURS: &str = "This passkey is already set up for your account.";

/// The name and display name the browser shows for the account.
fn account_names(ctx: &UiContext) -> (String, String) {
    passkeys::account_names(
        &ctx.claims.sub,
        ctx.user.as_ref(),
        ctx.action.email.as_deref(),
    )
}

/// Starts a registration and renders the page that runs it.
async fn registration_page(ctx: &UiContext, problem: Option<&str>) -> Result<Response, UiError> {
    let webauthn = match ctx.state.relying_party.webauthn() {
        Ok(webauthn) => webauthn,
        Err(reason) => return Ok(unavailable(ctx, reason)),
    };
    // The browser refuses to make a second passkey on an authenticator that has one.
    let existing: Vec<CredentialID> = ctx
        .authenticators
        .iter()
        .filter_map(stored_passkey)
        .map(|p| p.cred_id().clone())
        .collect();
    let (name, display) = account_names(ctx);
    let (options, state) = start_registration(webauthn, &ctx.claims.sub, &name, &display, existing)
        .map_err(internal("cannot start a passkey registration"))?;
    let (status, form) = start_ceremony(
        ctx,
        CEREMONY_REGISTER,
        &state,
        &options,
        &CeremonyScreen {
            ceremony: Ceremony::Create,
            intro: "Create a passkey to verify it's you with this device's fingerprint, face or screen lock — no code to type.",
            submit_path: "/enroll/passkey",
            button: "Create passkey",
            problem,
        },
    )
    .await?;
    Ok(page(
        status,
        "Passkey",
        html! {
            h1 { "Passkey" }
            (form)
            (back_link(ctx))
        },
    ))
}

fn unavailable(ctx: &UiContext, reason: &str) -> Response {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Passkey",
        html! {
            h1 { "Passkey" }
            (alert(reason))
            p { "Choose another method for now." }
            (back_link(ctx))
        },
    )
}

/// `GET /ui/enroll/passkey`.
pub(crate) async fn form(Ui { ctx, .. }: Ui<MayAdd>) -> Result<Response, UiError> {
    registration_page(&ctx, None).await
}

/// `POST /ui/enroll/passkey`: checks the new credential and stores it.
pub(crate) async fn submit(
    headers: HeaderMap,
    Ui { ctx, params, .. }: Ui<MayAdd>,
) -> Result<Response, UiError> {
    let webauthn = match ctx.state.relying_party.webauthn() {
        Ok(webauthn) => webauthn,
        Err(reason) => return Ok(unavailable(&ctx, reason)),
    };
    let raw = params.credential.unwrap_or_default();
    if raw.trim().is_empty() {
        return registration_page(&ctx, Some(NEEDS_JAVASCRIPT)).await;
    }
    let Ok(credential) = serde_json::from_str::<RegisterPublicKeyCredential>(&raw) else {
        return registration_page(&ctx, Some(NOT_VERIFIED)).await;
    };
    let ceremony = ctx
        .state
        .store
        .take_ceremony(&ctx.key(), CEREMONY_REGISTER)
        .await?;
    let Some(ceremony) = ceremony.filter(|c| still_fresh(&ctx, c)) else {
        return registration_page(&ctx, Some(STALE_REQUEST)).await;
    };
    let registration: PasskeyRegistration = serde_json::from_str(&ceremony.state)
        .map_err(internal("stored passkey registration is unreadable"))?;
    let passkey = match webauthn.finish_passkey_registration(&credential, &registration) {
        Ok(passkey) => passkey,
        Err(e) => {
            tracing::info!(error = %e, "passkey registration refused");
            return registration_page(&ctx, Some(NOT_VERIFIED)).await;
        }
    };
    let credential_id = credential_id_text(passkey.cred_id());
    if ctx
        .authenticators
        .iter()
        .any(|a| a.credential_id.as_deref() == Some(credential_id.as_str()))
    {
        return registration_page(&ctx, Some(ALREADY_YOURS)).await;
    }
    let aaguid = aaguid_of(credential.response.attestation_object.as_ref());
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(parse_user_agent);
    let (username, display_name) = account_names(&ctx);
    let details = PasskeyDetails {
        name: user_agent
            .as_ref()
            .and_then(|ua| ua.summary())
            .or_else(|| aaguid.as_deref().and_then(aaguid_mapping).map(|m| m.name))
            .unwrap_or_else(|| "Passkey".to_owned()),
        aaguid,
        authenticator_attachment: params
            .authenticator_attachment
            .filter(|a| matches!(a.as_str(), "platform" | "cross-platform")),
        // Authsignal always reports one; without track's, the sandbox makes one up.
        device_id: Some(ctx.action.device_id.clone().unwrap_or_else(new_uuid)),
        username: Some(username),
        display_name: Some(display_name),
        parsed_user_agent: user_agent,
    };
    let new = NewAuthenticator {
        user_id: ctx.claims.sub.clone(),
        verification_method: Method::Passkey.as_str().to_owned(),
        passkey: Some(serde_json::to_string(&passkey).map_err(internal("cannot store a passkey"))?),
        credential_id: Some(credential_id),
        passkey_details: Some(
            serde_json::to_string(&details).map_err(internal("cannot store passkey details"))?,
        ),
        ..NewAuthenticator::default()
    };
    complete_enrollment(&ctx, &new).await
}
