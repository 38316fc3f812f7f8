//! What each message says, as plain text and as HTML (maud escapes every value).

use maud::{html, DOCTYPE};

use crate::server::mail::Mail;
use crate::server::users::MadeBy;
use crate::server::web::request_context::Origin;

const SHOP: &str = "Northwind Supply";

/// One message: a headline, labelled facts, an optional link and a closing line.
struct Letter<'a> {
    name: &'a str,
    headline: String,
    facts: Vec<(&'static str, String)>,
    link: Option<(&'static str, &'a str)>,
    closing: &'static str,
}

impl Letter<'_> {
    fn into_mail(self, to: &str, subject: String) -> Mail {
        let mut text = format!("Hello {},\n\n{}\n\n", self.name, self.headline);
        for (label, value) in &self.facts {
            text.push_str(&format!("{label}: {value}\n"));
        }
        if let Some((label, url)) = self.link {
            text.push_str(&format!("\n{label}:\n{url}\n"));
        }
        text.push_str(&format!("\n{}\n\n— {SHOP}\n", self.closing));
        let html = html! {
            (DOCTYPE)
            html lang="en" {
                head { meta charset="utf-8"; title { (subject) } }
                body style="font-family: sans-serif; line-height: 1.5; color: #1f2933" {
                    p { "Hello " (self.name) "," }
                    p { strong { (self.headline) } }
                    @if !self.facts.is_empty() {
                        table cellpadding="4" {
                            @for (label, value) in &self.facts {
                                tr { th align="left" { (label) } td { (value) } }
                            }
                        }
                    }
                    @if let Some((label, url)) = self.link {
                        p { a href=(url) style="font-weight: bold" { (label) } }
                    }
                    p { (self.closing) }
                    p { "— " (SHOP) }
                }
            }
        }
        .into_string();
        Mail {
            to: to.to_string(),
            subject,
            text,
            html,
        }
    }
}

fn origin_facts(origin: Option<&Origin>) -> Vec<(&'static str, String)> {
    match origin {
        Some(o) => vec![
            ("Browser", o.browser.clone()),
            ("Network", o.network.clone()),
        ],
        None => Vec::new(),
    }
}

const NOT_ME: &str = "This wasn't me";
const IF_NOT_YOU: &str = "If you didn't do this, use the link above: it signs your account out everywhere and lets you choose a new password. It works once, for 7 days.";

/// An authenticator was added, removed or made the default.
pub fn security_change(
    to: &str,
    name: &str,
    what: &str,
    when: &str,
    made_by: &MadeBy,
    not_me_url: &str,
) -> Mail {
    let mut facts = vec![
        ("What changed", what.to_string()),
        ("When", when.to_string()),
    ];
    match made_by {
        MadeBy::Browser { browser, network } => facts.extend(origin_facts(Some(&Origin {
            browser: browser.clone(),
            network: network.clone(),
        }))),
        MadeBy::Support => facts.push(("Made by", "our support team".to_string())),
        MadeBy::Elsewhere => facts.push((
            "Made from",
            "outside this shop's website: not one of your signed-in browsers".to_string(),
        )),
    }
    Letter {
        name,
        headline: "Your sign-in security settings changed.".into(),
        facts,
        link: Some((NOT_ME, not_me_url)),
        closing: IF_NOT_YOU,
    }
    .into_mail(to, format!("{SHOP}: {what}"))
}

/// A sign-in from a browser this customer had not used before.
pub fn new_sign_in(to: &str, name: &str, when: &str, origin: &Origin, not_me_url: &str) -> Mail {
    let mut facts = vec![("When", when.to_string())];
    facts.extend(origin_facts(Some(origin)));
    Letter {
        name,
        headline: "Your account was signed in to from a new browser.".into(),
        facts,
        link: Some((NOT_ME, not_me_url)),
        closing: IF_NOT_YOU,
    }
    .into_mail(to, format!("{SHOP}: new sign-in from {}", origin.browser))
}

/// The password was reset.
pub fn password_changed(
    to: &str,
    name: &str,
    when: &str,
    origin: Option<&Origin>,
    not_me_url: &str,
) -> Mail {
    let mut facts = vec![("When", when.to_string())];
    facts.extend(origin_facts(origin));
    Letter {
        name,
        headline: "Your password was changed, and every device was signed out.".into(),
        facts,
        link: Some((NOT_ME, not_me_url)),
        closing: IF_NOT_YOU,
    }
    .into_mail(to, format!("{SHOP}: your password was changed"))
}

/// A link to choose a new password.
pub fn reset_link(to: &str, name: &str, url: &str, minutes: i64) -> Mail {
    Letter {
        name,
        headline: format!("Someone asked to reset your password. The link below works once, for {minutes} minutes."),
        facts: Vec::new(),
        link: Some(("Choose a new password", url)),
        closing: "If you didn't ask for this, ignore this message: your password stays as it is.",
    }
    .into_mail(to, format!("{SHOP}: reset your password"))
}

/// Someone tried to create an account with an address that already has one.
pub fn sign_up_attempt(to: &str, name: &str, sign_in_url: &str) -> Mail {
    Letter {
        name,
        headline: "Someone tried to create an account with your email address.".into(),
        facts: Vec::new(),
        link: Some(("Sign in", sign_in_url)),
        closing: "If it was you, sign in — or use \"Forgot password?\" on the sign-in page. If it wasn't, you need do nothing: your account is unchanged.",
    }
    .into_mail(to, format!("{SHOP}: someone tried to sign up with your address"))
}

/// The code that verifies the customer's email address (sign-up, or "Send a new code").
pub fn verification_code(to: &str, name: &str, code: &str, minutes: i64, verify_url: &str) -> Mail {
    Letter {
        name,
        headline: format!(
            "Enter this code to verify your email address. It works once, for {minutes} minutes."
        ),
        facts: vec![("Verification code", code.to_string())],
        link: Some(("Enter your code", verify_url)),
        closing: "If you didn't create an account with us, ignore this message: nothing happens without the code.",
    }
    .into_mail(to, format!("{SHOP}: your verification code"))
}

#[cfg(test)]
mod tests {
    use crate::server::mail::compose::*;

    #[test]
    fn values_are_escaped_in_html_and_kept_in_text() {
        let origin = Origin {
            browser: "<script>x</script>".into(),
            network: "203.0.113.x".into(),
        };
        let mail = new_sign_in(
            "a@b.c",
            "Ann & <b>",
            "now",
            &origin,
            "http://s/x?token=a&b=1",
        );
        assert!(!mail.html.contains("<script>x"));
        assert!(mail.html.contains("Ann &amp; &lt;b&gt;"));
        assert!(mail.html.contains("href=\"http://s/x?token=a&amp;b=1\""));
        assert!(mail.text.contains("Hello Ann & <b>,"));
        assert!(mail.text.contains("http://s/x?token=a&b=1"));
        assert!(mail
            .subject
            .ends_with("new sign-in from <script>x</script>"));
    }
}
