//! `admin enroll-verified`: enroll an email or phone number the operator has verified.

use crate::admin::contact::{Contact, EnrollMethod, PhoneNumber};
use crate::admin::context::{one_line_reason, Admin, Failure};
use crate::admin::EXIT_OK;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The customer's email (their storefront account); email methods enroll this address.
    #[arg(long, value_name = "EMAIL")]
    email: String,
    /// A phone number you have verified, in E.164 form (implies --method sms).
    #[arg(long, value_name = "+E164")]
    sms: Option<String>,
    /// What to enroll [default: sms with --sms, otherwise email].
    #[arg(long, value_enum)]
    method: Option<EnrollMethod>,
    /// Why, shown in the customer's security activity.
    #[arg(long)]
    reason: Option<String>,
}

pub(crate) async fn run(admin: &Admin, args: Args) -> Result<u8, Failure> {
    let method = args.method.unwrap_or(if args.sms.is_some() {
        EnrollMethod::Sms
    } else {
        EnrollMethod::Email
    });
    let phone = match (method, args.sms.as_deref()) {
        (EnrollMethod::Sms, Some(raw)) => Some(PhoneNumber::parse(raw).map_err(Failure::Refused)?),
        (EnrollMethod::Sms, None) => {
            return Err(Failure::Usage("--method sms needs --sms +E164".into()))
        }
        (_, Some(_)) => return Err(Failure::Usage("--sms goes with --method sms only".into())),
        (_, None) => None,
    };
    let customer = admin.customer(&args.email).await?;
    let contact = match phone {
        Some(phone) => Contact::Sms(phone),
        None => Contact::Email {
            // The stored address is already normalised; it parsed when the account was made.
            email: crate::domain::Email::parse(&customer.email).map_err(Failure::Refused)?,
            magic_link: method == EnrollMethod::EmailMagicLink,
        },
    };
    let existing = admin.authenticators_of(&customer).await?;
    if contact.is_enrolled_in(&existing) {
        println!(
            "{} already has {}; nothing to do.",
            customer.email,
            contact.words()
        );
        return Ok(EXIT_OK);
    }
    let reason = one_line_reason(args.reason);
    let enrolled = admin
        .enroll(&customer, &contact, reason.as_deref())
        .await
        .map_err(|e| admin.unreachable(e))?;
    println!(
        "Enrolled {} for {} (id {}).",
        contact.words(),
        customer.email,
        enrolled.user_authenticator_id
    );
    Ok(EXIT_OK)
}
