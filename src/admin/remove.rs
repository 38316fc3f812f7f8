//! `admin remove-authenticator`: remove one authenticator, e.g. a compromised phone number.

use crate::admin::contact::authenticator_words;
use crate::admin::context::{one_line_reason, Admin, Failure};
use crate::admin::EXIT_OK;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The customer's email (their storefront account).
    #[arg(long, value_name = "EMAIL")]
    email: String,
    /// The authenticator's id, as `authenticators` lists it.
    #[arg(long, value_name = "ID")]
    id: String,
    /// Remove it even if it is the customer's last one (they lose two-step sign-in).
    #[arg(long)]
    force: bool,
    /// Why, shown in the customer's security activity.
    #[arg(long)]
    reason: Option<String>,
}

pub(crate) async fn run(admin: &Admin, args: Args) -> Result<u8, Failure> {
    let customer = admin.customer(&args.email).await?;
    let existing = admin.authenticators_of(&customer).await?;
    let Some(target) = existing.iter().find(|a| a.user_authenticator_id == args.id) else {
        return Err(Failure::Refused(format!(
            "{} has no authenticator with id {:?}",
            customer.email, args.id
        )));
    };
    let is_last = existing.len() == 1;
    if is_last && !args.force {
        return Err(Failure::Refused(format!(
            "{} is the last authenticator of {}; removing it turns off their two-step sign-in — pass --force to remove it anyway",
            authenticator_words(target),
            customer.email
        )));
    }
    let reason = one_line_reason(args.reason);
    admin
        .remove(&customer, target, reason.as_deref())
        .await
        .map_err(|e| admin.unreachable(e))?;
    println!(
        "Removed {} from {}.",
        authenticator_words(target),
        customer.email
    );
    if is_last {
        eprintln!("warning: {} now has no authenticators — they are locked out of any step that needs a two-step challenge until one is enrolled again", customer.email);
    }
    Ok(EXIT_OK)
}
