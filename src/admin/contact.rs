//! A verified contact to enroll (an email for email methods, an E.164 number for SMS) and how
//! to tell whether a customer already has it.

use authsignal::{EnrollVerifiedAuthenticatorRequest, UserAuthenticator, VerificationMethod};

use crate::domain::Email;
pub(crate) use crate::domain::PhoneNumber;
use crate::server::authsignal::{enroll_verified, views};

/// "SMS +14155550123" for an enrolled authenticator, worded like [`Contact::words`].
pub(crate) fn authenticator_words(a: &UserAuthenticator) -> String {
    let method = views::method_words(&a.verification_method);
    match a
        .email
        .as_deref()
        .or(a.phone_number.as_deref())
        .or(a.display_name.as_deref())
    {
        Some(address) => format!("{method} {address}"),
        None => method,
    }
}

/// The methods an operator may enroll on a customer's behalf (`--method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum EnrollMethod {
    /// Email one-time code.
    Email,
    /// Email magic link.
    EmailMagicLink,
    /// SMS one-time code (needs --sms).
    Sms,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Contact {
    Email { email: Email, magic_link: bool },
    Sms(PhoneNumber),
}

impl Contact {
    pub fn method(&self) -> VerificationMethod {
        match self {
            Contact::Email {
                magic_link: false, ..
            } => VerificationMethod::EmailOtp,
            Contact::Email {
                magic_link: true, ..
            } => VerificationMethod::EmailMagicLink,
            Contact::Sms(_) => VerificationMethod::Sms,
        }
    }

    pub fn request(&self) -> EnrollVerifiedAuthenticatorRequest {
        match self {
            Contact::Email { email, .. } => EnrollVerifiedAuthenticatorRequest {
                email: Some(email.to_string()),
                ..EnrollVerifiedAuthenticatorRequest::bare(self.method())
            },
            Contact::Sms(phone) => EnrollVerifiedAuthenticatorRequest::sms(phone.as_str()),
        }
    }

    /// Same method for the same address: enrolling it again would only add a duplicate.
    pub fn is_enrolled_in(&self, authenticators: &[UserAuthenticator]) -> bool {
        match self {
            Contact::Email { email, .. } => {
                enroll_verified::has_email(authenticators, &self.method(), email.as_str())
            }
            Contact::Sms(phone) => authenticators.iter().any(|a| {
                a.verification_method == self.method()
                    && a.phone_number.as_deref() == Some(phone.as_str())
            }),
        }
    }

    /// "SMS +14155550123", for messages and the customer's activity.
    pub fn words(&self) -> String {
        let method = views::method_words(&self.method());
        match self {
            Contact::Email { email, .. } => format!("{method} {email}"),
            Contact::Sms(phone) => format!("{method} {}", phone.as_str()),
        }
    }

    /// Enough of the address to tell contacts apart in logs, without writing it out.
    pub fn masked(&self) -> String {
        match self {
            Contact::Email { email, .. } => match email.as_str().split_once('@') {
                Some((local, domain)) => {
                    format!("{}…@{domain}", local.chars().next().unwrap_or('?'))
                }
                None => "…".into(),
            },
            Contact::Sms(phone) => {
                let p = phone.as_str();
                format!(
                    "{}…{}",
                    &p[..4.min(p.len())],
                    &p[p.len().saturating_sub(2)..]
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::admin::contact::*;

    fn authenticator(
        method: VerificationMethod,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> UserAuthenticator {
        serde_json::from_value(serde_json::json!({
            "userAuthenticatorId": "a1", "verificationMethod": method.as_str(),
            "email": email, "phoneNumber": phone,
        }))
        .unwrap()
    }

    #[test]
    fn phone_numbers_are_compacted_to_e164_and_bad_ones_refused() {
        assert_eq!(
            PhoneNumber::parse(" +1 (415) 555-0123 ").unwrap().as_str(),
            "+14155550123"
        );
        for bad in [
            "14155550123",
            "+0123456789",
            "+12",
            "+1415555012a",
            "",
            "+1234567890123456",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_contact_is_enrolled_only_for_the_same_method_and_address() {
        let email = Contact::Email {
            email: Email::parse("ada@example.com").unwrap(),
            magic_link: false,
        };
        let sms = Contact::Sms(PhoneNumber::parse("+14155550123").unwrap());
        let list = vec![
            authenticator(
                VerificationMethod::EmailMagicLink,
                Some("ada@example.com"),
                None,
            ),
            authenticator(VerificationMethod::Sms, None, Some("+14155550199")),
        ];
        assert!(!email.is_enrolled_in(&list));
        assert!(!sms.is_enrolled_in(&list));
        let list = vec![
            authenticator(VerificationMethod::EmailOtp, Some("Ada@Example.com"), None),
            authenticator(VerificationMethod::Sms, None, Some("+14155550123")),
        ];
        assert!(email.is_enrolled_in(&list));
        assert!(sms.is_enrolled_in(&list));
    }

    #[test]
    fn masked_contacts_hide_the_address() {
        let sms = Contact::Sms(PhoneNumber::parse("+14155550123").unwrap());
        assert_eq!(sms.masked(), "+141…23");
        let email = Contact::Email {
            email: Email::parse("ada@example.com").unwrap(),
            magic_link: true,
        };
        assert_eq!(email.masked(), "a…@example.com");
        assert_eq!(email.words(), "Email link ada@example.com");
    }
}
