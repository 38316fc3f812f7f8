//! `admin release-hold`: lets a customer back in after support has checked a "this wasn't me"
//! report that left their account without a second factor.

use crate::admin::context::{one_line_reason, Admin, Failure};
use crate::admin::EXIT_OK;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The customer's email (their storefront account).
    #[arg(long, value_name = "EMAIL")]
    email: String,
    /// Why, shown in the customer's security activity.
    #[arg(long)]
    reason: Option<String>,
}

pub(crate) async fn run(admin: &Admin, args: Args) -> Result<u8, Failure> {
    let customer = admin.customer(&args.email).await?;
    let released = admin
        .users
        .release_hold(&customer.id)
        .await
        .map_err(|e| Failure::Refused(format!("releasing the hold failed: {e}")))?;
    if !released {
        return Err(Failure::Refused(format!(
            "{} is not held; nothing changed",
            customer.email
        )));
    }
    let reason = one_line_reason(args.reason);
    admin.record_released(&customer, reason.as_deref()).await;
    println!(
        "Released {}: they can reset their password and sign in again.",
        customer.email
    );
    Ok(EXIT_OK)
}
