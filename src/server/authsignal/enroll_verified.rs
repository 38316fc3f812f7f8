//! Enrolling a contact the shop has verified itself (`enrollVerifiedAuthenticator`): support's
//! `storefront admin enroll-verified`, and the customer's own email verified at sign-up.

use authsignal::{EnrollVerifiedAuthenticatorRequest, UserAuthenticator, VerificationMethod};

use crate::server::users::{User, UserStore};

/// Whose change it is, for the receipt Authsignal's webhook leads to.
pub enum ChangedBy<'a> {
    /// An operator with `storefront admin`.
    Support,
    /// The customer, in this browser, from this network (in words).
    Browser { browser: &'a str, network: &'a str },
}

/// Enrolls `request` for `user` inside a change window of `by`, then remembers the customer
/// as enrolled: from now on sign-in fails closed for them while Authsignal is down.
pub async fn enroll(
    users: &UserStore,
    client: &authsignal::Client,
    user: &User,
    request: &EnrollVerifiedAuthenticatorRequest,
    by: ChangedBy<'_>,
) -> Result<UserAuthenticator, authsignal::Error> {
    match by {
        ChangedBy::Support => users.remember_support_change(&user.id).await,
        ChangedBy::Browser { browser, network } => {
            users
                .remember_change_origin(&user.id, browser, network)
                .await
        }
    }
    let enrolled = client
        .enroll_verified_authenticator(&user.id, request)
        .await;
    users.end_change(&user.id).await;
    let enrolled = enrolled?;
    users.remember_enrollment(&user.id, true, Some(user)).await;
    Ok(enrolled.authenticator)
}

/// Whether `authenticators` already hold `method` for `email` (any case): enrolling it again
/// would only add a duplicate.
pub fn has_email(
    authenticators: &[UserAuthenticator],
    method: &VerificationMethod,
    email: &str,
) -> bool {
    authenticators.iter().any(|a| {
        &a.verification_method == method
            && a.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
    })
}
