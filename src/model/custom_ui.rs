//! Authsignal's custom-UI path on the storefront's own pages: adding an authenticator app,
//! email codes or text-message codes in place, and answering sign-in's second step here
//! instead of in the pre-built UI. What the pages show; nothing secret but what the customer
//! must see (the authenticator app's secret), never a token.

use serde::{Deserialize, Serialize};

use super::security::SecurityNotice;
use crate::routes;

/// A method added on the storefront's own pages through the Client API (passkeys have their
/// own page: the Web SDK's ceremony needs the browser).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NewMethod {
    AuthenticatorApp,
    EmailOtp,
    Sms,
}

impl NewMethod {
    pub const ALL: [NewMethod; 3] = [
        NewMethod::AuthenticatorApp,
        NewMethod::EmailOtp,
        NewMethod::Sms,
    ];

    /// The add page.
    pub fn page(self) -> &'static str {
        match self {
            NewMethod::AuthenticatorApp => routes::ADD_AUTHENTICATOR_APP,
            NewMethod::EmailOtp => routes::ADD_EMAIL_CODES,
            NewMethod::Sms => routes::ADD_SMS_CODES,
        }
    }

    /// The page's heading and the account page's control (contract names).
    pub fn title(self) -> &'static str {
        match self {
            NewMethod::AuthenticatorApp => "Add an authenticator app",
            NewMethod::EmailOtp => "Add email codes",
            NewMethod::Sms => "Add text message codes",
        }
    }

    /// "an authenticator app", inside sentences.
    pub fn words(self) -> &'static str {
        match self {
            NewMethod::AuthenticatorApp => "an authenticator app",
            NewMethod::EmailOtp => "email codes",
            NewMethod::Sms => "text message codes",
        }
    }

    /// The value the step forms post in their `method` field.
    pub fn slug(self) -> &'static str {
        match self {
            NewMethod::AuthenticatorApp => "authenticator-app",
            NewMethod::EmailOtp => "email",
            NewMethod::Sms => "sms",
        }
    }

    pub fn from_slug(slug: &str) -> Option<NewMethod> {
        NewMethod::ALL.into_iter().find(|m| m.slug() == slug)
    }

    /// Codes are sent to an address the customer types (email, SMS), not read from an app.
    pub fn sends_codes(self) -> bool {
        !matches!(self, NewMethod::AuthenticatorApp)
    }
}

/// An add page: which method, the step it is at, and the outcome of the last form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddMethodView {
    pub method: NewMethod,
    pub step: AddMethodStep,
    pub notice: Option<SecurityNotice>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddMethodStep {
    /// Authsignal can't be asked right now.
    Unavailable,
    /// Enrolled, and no challenge in the last 10 minutes: verify in the pre-built UI first.
    VerifyFirst,
    /// Nothing started: the app's "Set up" button, or the address form.
    Start,
    /// The authenticator app's QR code (an SVG data URI) and its base32 secret.
    ScanCode { qr_code: String, secret: String },
    /// A code was sent to `sent_to` (masked); resend allowed after `resend_in` seconds.
    EnterCode { sent_to: String, resend_in: u64 },
}

/// One of the customer's methods on the second-step page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChallengeMethod {
    AuthenticatorApp,
    EmailOtp,
    Sms,
}

impl ChallengeMethod {
    pub fn slug(self) -> &'static str {
        match self {
            ChallengeMethod::AuthenticatorApp => "authenticator-app",
            ChallengeMethod::EmailOtp => "email",
            ChallengeMethod::Sms => "sms",
        }
    }

    pub fn from_slug(slug: &str) -> Option<ChallengeMethod> {
        [
            ChallengeMethod::AuthenticatorApp,
            ChallengeMethod::EmailOtp,
            ChallengeMethod::Sms,
        ]
        .into_iter()
        .find(|m| m.slug() == slug)
    }
}

/// A method the customer may answer with: its button's words and where a code would go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeOption {
    pub method: ChallengeMethod,
    /// "Email a code to a•••@example.com".
    pub label: String,
}

/// The second-step page (`STOREFRONT_CHALLENGE_UI=custom`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeView {
    pub step: ChallengeStep,
    pub notice: Option<SecurityNotice>,
    /// Sign-in or a password reset: the words of the page's first line.
    pub for_reset: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChallengeStep {
    /// Nothing is waiting for a second step (expired, finished, or never started here).
    NothingPending,
    /// Choose how to verify; the default method first.
    /// `other_ways`: the pre-built UI offers what this page doesn't (a passkey, or any
    /// method when none of the customer's can be answered here).
    Choose {
        options: Vec<ChallengeOption>,
        other_ways: bool,
    },
    /// Enter the code for `method`; `sent_to` is set for sent codes (masked).
    EnterCode {
        method: ChallengeMethod,
        sent_to: Option<String>,
        resend_in: u64,
        /// Other methods to switch to.
        others: bool,
    },
}
