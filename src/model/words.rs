//! Every sentence a customer can read about signing in, their security settings and getting
//! their account back, in one place for both halves (server responses and rendered pages).

/// Why a launch or a return was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Authsignal could not be reached to start: nothing was tracked.
    ProviderDown,
    /// Authsignal could not be reached to confirm a return.
    CannotConfirm,
    /// Authsignal blocked the action (sign-in).
    Blocked,
    /// Authsignal wants a person to review the action first (sign-in).
    UnderReview,
    /// The challenge was not completed.
    NotVerified,
    /// Sign-in: Authsignal let an enrolled customer through without a challenge, which this
    /// shop refuses (`STOREFRONT_ENROLLED_ALLOW=refuse`).
    ChallengeSkipped,
    /// Nothing was waiting for this return: replayed, expired, or never launched here.
    NothingPending,
    /// The token was garbage, for someone else, or for another launch.
    Invalid,
    /// The account is held for support after a "this wasn't me" report.
    Held,
}

impl Refusal {
    /// The message on the sign-in form.
    pub fn at_sign_in(self) -> &'static str {
        match self {
            Refusal::ProviderDown | Refusal::CannotConfirm => SIGN_IN_UNAVAILABLE,
            Refusal::Blocked => "For your security, this sign-in was blocked. If this keeps happening, please contact support.",
            Refusal::UnderReview => {
                "For your security, this sign-in needs a check by our support team before it can go ahead. We'll look at it shortly — please try again later or contact support."
            }
            Refusal::NotVerified | Refusal::Invalid => "We couldn't verify it's you, so you're not signed in. Please sign in again.",
            Refusal::ChallengeSkipped => {
                "Two-step sign-in can't be completed right now, so you're not signed in. Please try again later or contact support."
            }
            Refusal::NothingPending => "Your sign-in expired or was already completed. Please sign in again.",
            Refusal::Held => ACCOUNT_HELD,
        }
    }

    /// The message on the reset-password form: the password stays as it was.
    pub fn at_reset(self) -> &'static str {
        match self {
            Refusal::ProviderDown | Refusal::CannotConfirm => "We couldn't confirm it's you right now, so your password was not changed. Try again in a few minutes.",
            Refusal::NothingPending => "Confirming it's you took too long, so your password was not changed. Submit your new password again.",
            Refusal::Held => ACCOUNT_HELD,
            _ => "We couldn't confirm it's you, so your password was not changed.",
        }
    }

    /// The notice on the account page.
    pub fn on_account(self) -> &'static str {
        match self {
            Refusal::ProviderDown => UNAVAILABLE_TO_CHANGE,
            Refusal::CannotConfirm => {
                "We couldn't confirm that change because our security provider isn't responding. Nothing was changed — please try again."
            }
            Refusal::Blocked => "For your security, this change was blocked. Nothing was changed. If you need help, please contact support.",
            Refusal::UnderReview => {
                "This change needs a check by our support team before it can go ahead. Nothing was changed yet — we'll look at it shortly."
            }
            _ => {
                "We couldn't confirm that change: the link was invalid, expired, already used or not meant for this account. Nothing was changed."
            }
        }
    }
}

pub const ACCOUNT_HELD: &str = "For your protection, your account is locked while our support team checks a report that someone else changed it. Please contact support to get back in.";
pub const SIGN_IN_UNAVAILABLE: &str =
    "Two-step sign-in is temporarily unavailable. Please try again in a few minutes.";
pub const UNAVAILABLE_TO_CHANGE: &str = "We couldn't reach our security provider, so nothing was changed. Please try again in a moment.";
pub const SETTINGS_UPDATED: &str = "Your authenticators were updated.";
pub const VERIFIED_TO_REMOVE: &str = "You're verified. Confirm the removal below.";
pub const VERIFIED_TO_ADD_PASSKEY: &str = "You're verified. Create your passkey now.";
pub const POPUP_CLOSED: &str = "You closed the security window. Nothing was changed.";
pub const LAST_ONE: &str =
    "You can't remove your only authenticator: without one you couldn't complete \
     two-step sign-in and could be locked out of your account. Add another authenticator first.";
pub const CHANGE_IN_PROGRESS: &str =
    "Another change to your authenticators is in progress. Please try again in a moment.";
pub const NO_LONGER_THERE: &str = "That authenticator is no longer on your account.";

pub const PASSKEYS_NOT_CONFIGURED: &str =
    "Adding a passkey here isn't available right now. Use Manage authenticators instead.";

pub const VERIFY_BEFORE_PASSKEY: &str =
    "For your security, verify it's you before adding a passkey.";

pub const PASSKEY_NOT_ACCEPTED: &str =
    "We couldn't verify that passkey, so you're not signed in. Try again, or sign in with your email and password.";

pub const PASSKEY_WITHOUT_ACCOUNT: &str =
    "That passkey isn't linked to an account here. Sign in with your email and password.";

pub const VERIFIED_TO_ADD: &str = "You're verified. Finish adding it now.";

pub const VERIFY_BEFORE_ADD: &str =
    "For your security, verify it's you before adding another way to sign in.";

/// On an add page, for an enrolled customer without a recent challenge.
pub fn verify_before_adding(what: &str) -> String {
    format!("For your security, verify it's you before adding {what}.")
}

pub const APP_ALREADY_ADDED: &str =
    "You already have an authenticator app. To use another one, remove it from your account first.";

pub const ADDED_UNCONFIRMED: &str = "Your code was right, but we couldn't confirm the change with our security provider. Check your authenticators below.";

pub const ADD_EXPIRED: &str =
    "That took too long and has expired. Nothing was added — please start again.";

pub const CODE_FORMAT: &str = "Enter the 6-digit code.";

pub const CODE_WRONG: &str =
    "That code isn't right or has expired. Nothing was changed — check it and try again.";

pub const TOO_MANY_CODES: &str = "Too many wrong codes. Nothing was changed — please start again.";

pub const TOO_MANY_SENDS: &str =
    "Too many codes were sent. Please wait a few minutes and try again.";

pub const EMAIL_ADDRESS_INVALID: &str = "Enter an email address like name@example.com.";

pub const PHONE_NUMBER_INVALID: &str =
    "Enter a mobile number with its country code, like +14155550123.";

pub const SECOND_STEP_EXPIRED: &str =
    "Your sign-in expired or was already completed. Please sign in again.";

/// After a code was sent.
pub fn code_sent_to(to: &str) -> String {
    format!("We sent a code to {to}. It expires in 10 minutes.")
}

/// "Send a new code" pressed too soon.
pub fn resend_wait(secs: u64) -> String {
    format!("You can ask for a new code in {secs} seconds.")
}

pub const CROSS_SITE_REFUSED: &str = "This request came from another site and was refused.";

/// One message for both an unknown email and a wrong password: no account enumeration.
pub const WRONG_CREDENTIALS: &str = "That email and password don't match an account.";

pub const EMAIL_TAKEN: &str = "An account with this email already exists. Sign in instead.";

/// A mailed link that is expired, used, or not ours.
pub const LINK_UNUSABLE: &str = "This link has expired or was already used. Ask for a new one.";

pub const FORM_TOO_LARGE: &str = "That form is too large.";

pub const FORM_UNREADABLE: &str = "That form could not be read. Please go back and try again.";

pub const DEVICE_ALREADY_SIGNED_OUT: &str = "That device is already signed out.";

/// After "Sign out everywhere else".
pub fn others_signed_out(ended: usize) -> String {
    match ended {
        0 => "No other device was signed in.".to_string(),
        1 => "1 other device was signed out.".to_string(),
        n => format!("{n} other devices were signed out."),
    }
}

// Verifying the email at sign-up (`STOREFRONT_SIGN_UP_VERIFIES_EMAIL`).

/// The code was not the one we sent; `tries_left` more may be made.
pub fn code_wrong(tries_left: i64) -> String {
    match tries_left {
        0 => CODE_TOO_MANY_TRIES.to_string(),
        1 => "That code isn't right. You have 1 more try before you need a new code.".to_string(),
        n => format!("That code isn't right. You have {n} more tries before you need a new code."),
    }
}
pub const CODE_TOO_MANY_TRIES: &str =
    "That code was entered wrongly too many times and no longer works. Send a new code.";
pub const CODE_EXPIRED: &str = "That code has expired. Send a new code.";
pub const CODE_USED: &str = "That code was already used. Send a new code if you need one.";
pub const CODE_NONE: &str = "There's no code waiting for this account. Send a new code.";
pub const CODE_MALFORMED: &str = "Enter the 6-digit code from the email.";
pub const CODE_SENT: &str =
    "We sent a new 6-digit code to your email. It works once, for 15 minutes.";
pub const CODE_SENT_AT_SIGN_UP: &str =
    "Your account is ready and you're signed in. One more step: verify your email address.";
/// "Send a new code" was pressed again too soon.
pub fn code_wait(seconds: i64) -> String {
    format!("Please wait {seconds} seconds before asking for another code.")
}
/// Shown once, on the account page, when the verified email was just enrolled.
pub const EMAIL_VERIFIED: &str =
    "Your email is verified. From now on we'll also email you a code when you sign in.";
pub const EMAIL_VERIFIED_ALREADY: &str = "Your email is already verified.";
pub const VERIFY_EMAIL_PROMPT: &str =
    "Verify your email address to turn on two-step sign-in with email codes.";
pub const TWO_STEP_NOT_ON_YET: &str = "Your email is verified, but two-step sign-in could not be turned on yet because our security provider isn't responding. We'll try again the next time you open this page, or you can try again now.";
