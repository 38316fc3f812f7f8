//! Receipts: every change to a customer's sign-in security, and every sign-in from a new
//! browser, is mailed to them with a single-use "This wasn't me" link. Queueing never fails
//! the change it reports (see `mail`).

use crate::routes;
use crate::server::mail::compose;
use crate::server::recovery::tokens;
use crate::server::recovery::tokens::LinkPurpose;
use crate::server::state::AppState;
use crate::server::users::{MadeBy, User};
use crate::server::web::request_context::Origin;

/// "30 Nov 2026, 22:15 UTC", now.
fn now_words() -> String {
    crate::server::authsignal::views::unix_time_words(crate::server::clock::now_unix())
}

/// A fresh "This wasn't me" link for the customer, or `None` when it could not be stored
/// (then the receipt goes without one rather than not at all).
async fn not_me_link(state: &AppState, user: &User, undoes: Option<&str>) -> String {
    match tokens::issue_about(&state.pool, &user.id, LinkPurpose::NotMe, undoes).await {
        Ok(token) => format!(
            "{}{}?token={token}",
            state.settings.origin(),
            routes::NOT_ME
        ),
        Err(e) => {
            tracing::error!(error = %e, "issuing a \"this wasn't me\" link failed");
            format!("{}{}", state.settings.origin(), routes::FORGOT_PASSWORD)
        }
    }
}

/// "Added Passkey (Google Password Manager)" and the like. `added`: the authenticator the
/// change put on the account, which "This wasn't me" then removes.
pub async fn security_change(
    state: &AppState,
    user: &User,
    what: &str,
    made_by: &MadeBy,
    added: Option<&str>,
) {
    let link = not_me_link(state, user, added).await;
    let mail = compose::security_change(
        &user.email,
        &user.display_name,
        what,
        &now_words(),
        made_by,
        &link,
    );
    state.mailer.enqueue(mail).await;
}

/// A sign-in from a browser this customer had not used.
pub async fn new_sign_in(state: &AppState, user: &User, origin: &Origin) {
    let link = not_me_link(state, user, None).await;
    let mail = compose::new_sign_in(&user.email, &user.display_name, &now_words(), origin, &link);
    state.mailer.enqueue(mail).await;
}

/// The password was reset.
pub async fn password_changed(state: &AppState, user: &User, origin: Option<&Origin>) {
    let link = not_me_link(state, user, None).await;
    let mail =
        compose::password_changed(&user.email, &user.display_name, &now_words(), origin, &link);
    state.mailer.enqueue(mail).await;
}
