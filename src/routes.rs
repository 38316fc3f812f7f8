//! Every path the storefront serves, declared once, and which of them need a signed-in
//! customer. The Leptos route table (`app.rs`) and the axum one (`server/startup.rs`) use these.

pub const HOME: &str = "/";
pub const SIGN_UP: &str = "/signup";
pub const SIGN_IN: &str = "/signin";
pub const SIGN_OUT: &str = "/signout";
pub const ACCOUNT: &str = "/account";
/// Where the pre-built UI sends the browser back after a settings visit or a removal check.
pub const ACCOUNT_RETURN: &str = "/account/return";
/// Where the pre-built UI sends the browser back after a two-step sign-in challenge.
pub const SIGN_IN_RETURN: &str = "/signin/return";
pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
/// Adding a passkey in place with the Web SDK (signed-in only).
pub const ADD_PASSKEY: &str = "/account/add-passkey";
/// Starts the challenge that must come before adding a passkey to an enrolled account.
pub const ADD_PASSKEY_VERIFY: &str = "/account/add-passkey/verify";
/// Adding an authenticator app, email codes or text-message codes on our own pages
/// (Authsignal's Client API, called by the server: no JavaScript needed).
pub const ADD_AUTHENTICATOR_APP: &str = "/account/add-authenticator-app";
pub const ADD_EMAIL_CODES: &str = "/account/add-email-codes";
pub const ADD_SMS_CODES: &str = "/account/add-text-message-codes";
/// Every add page's forms post here (the method and the step are fields).
pub const ADD_METHOD_STEP: &str = "/account/add-method";
/// Sign-in's and reset's second step on our own page (`STOREFRONT_CHALLENGE_UI=custom`).
pub const VERIFY_ITS_YOU: &str = "/verify-its-you";
/// The second-step page's forms.
pub const VERIFY_ITS_YOU_STEP: &str = "/verify-its-you/step";
/// "Not now" on the offer to add a passkey.
pub const PASSKEY_OFFER_DISMISS: &str = "/account/passkey-offer/dismiss";
/// The official Authsignal Web SDK, copied from npm by `scripts/install-tools.sh` (same version).
pub const WEB_SDK_SCRIPT: &str = "/vendor/authsignal-browser-1.16.0.min.js";
/// The add-a-passkey page's script (drives the Web SDK's `passkey.signUp`).
pub const PASSKEY_ADD_SCRIPT: &str = "/passkey-add.js";
/// The sign-in page's passkey script (autofill and the "Sign in with a passkey" button).
pub const PASSKEY_SIGN_IN_SCRIPT: &str = "/passkey-sign-in.js";
/// The pre-built UI's popup helper (on the account page in popup mode only).
pub const POPUP_SCRIPT: &str = "/prebuilt-ui-popup.js";

/// Ends one of the customer's other sessions (form post).
pub const DEVICES_SIGN_OUT: &str = "/account/devices/sign-out";
/// Ends every session of the customer but this one (form post).
pub const DEVICES_SIGN_OUT_OTHERS: &str = "/account/devices/sign-out-others";
/// "Forgot password?": asks for a reset link by email.
pub const FORGOT_PASSWORD: &str = "/forgot-password";
/// The reset link's page: choose a new password.
pub const RESET_PASSWORD: &str = "/reset-password";
/// Where the pre-built UI sends the browser back after a reset's challenge.
pub const RESET_PASSWORD_RETURN: &str = "/reset-password/return";
/// "This wasn't me" from a receipt.
pub const NOT_ME: &str = "/not-me";
/// Authsignal's webhook deliveries (server to server, signed).
pub const AUTHSIGNAL_WEBHOOK: &str = "/webhooks/authsignal";
/// The dev mailbox (embedded mode without SMTP only).
pub const DEV_MAILBOX: &str = "/dev/mailbox";
pub const DEV_MAILBOX_MESSAGES: &str = "/dev/mailbox/messages";

/// Verifying the email sign-up mailed a code to (`STOREFRONT_SIGN_UP_VERIFIES_EMAIL`): the
/// page and its form, "Send a new code", and "Try again" when two-step sign-in could not be
/// turned on yet.
pub const VERIFY_EMAIL: &str = "/verify-email";
pub const VERIFY_EMAIL_RESEND: &str = "/verify-email/resend";
pub const VERIFY_EMAIL_ENROLL: &str = "/verify-email/enroll";

/// Pages only a signed-in customer may see: a signed-out visitor is sent to sign in first.
pub const SIGNED_IN_ONLY: &[&str] = &[
    ACCOUNT,
    ADD_PASSKEY,
    ADD_AUTHENTICATOR_APP,
    ADD_EMAIL_CODES,
    ADD_SMS_CODES,
];

/// The page a signed-out visitor of `path` comes back to after signing in: a signed-in page
/// itself, the add-a-passkey page for its verify form, the account page for anything else.
pub fn page_of(path: &str) -> &str {
    match path {
        ADD_PASSKEY_VERIFY => ADD_PASSKEY,
        _ if SIGNED_IN_ONLY.contains(&path) => path,
        _ => ACCOUNT,
    }
}

/// `/signin?next=…` for a page that needs sign-in.
pub fn sign_in_then(next: &str) -> String {
    let next: String = next
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{SIGN_IN}?next={next}")
}

/// Where to go after signing in: only a path on this site (no open redirect).
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local {
        next
    } else {
        ACCOUNT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/account"), "/account");
        assert_eq!(safe_next("/account?tab=security"), "/account?tab=security");
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "account",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), "/account", "{bad:?}");
        }
    }
}
