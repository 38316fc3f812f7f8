//! `admin authenticators --email E [--json]`: what a customer has enrolled.

use authsignal::UserAuthenticator;

use crate::admin::context::{Admin, Failure};
use crate::admin::EXIT_OK;
use crate::server::authsignal::views;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The customer's email (their storefront account).
    #[arg(long, value_name = "EMAIL")]
    email: String,
    /// Print JSON (Authsignal's own authenticator objects) instead of a table.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(admin: &Admin, args: Args) -> Result<u8, Failure> {
    let customer = admin.customer(&args.email).await?;
    let authenticators = admin.authenticators_of(&customer).await?;
    tracing::info!(operator = %admin.operator, user_id = %customer.id, count = authenticators.len(), "admin: listed authenticators");
    if args.json {
        let body = serde_json::json!({
            "userId": customer.id,
            "email": customer.email,
            "authenticators": authenticators,
        });
        let text = serde_json::to_string_pretty(&body)
            .map_err(|e| Failure::Refused(format!("cannot write JSON: {e}")))?;
        println!("{text}");
    } else if authenticators.is_empty() {
        println!(
            "{} ({}) has no authenticators.",
            customer.email, customer.id
        );
    } else {
        print!("{}", table(&authenticators));
    }
    Ok(EXIT_OK)
}

/// Aligned columns: the id to pass to `remove-authenticator`, then what it is and its dates.
fn table(authenticators: &[UserAuthenticator]) -> String {
    let mut rows = vec![[
        "ID".to_string(),
        "METHOD".into(),
        "FOR".into(),
        "ADDED".into(),
        "LAST USED".into(),
    ]];
    for a in authenticators {
        rows.push([
            a.user_authenticator_id.clone(),
            views::method_words(&a.verification_method),
            a.email
                .clone()
                .or_else(|| a.phone_number.clone())
                .or_else(|| a.display_name.clone())
                .unwrap_or_else(|| "-".into()),
            views::date_words(&a.created_at),
            a.last_verified_at
                .as_deref()
                .map(views::date_words)
                .unwrap_or_else(|| "never".into()),
        ]);
    }
    let mut widths = [0usize; 5];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::admin::authenticators::*;

    #[test]
    fn the_table_aligns_columns_under_a_header() {
        let a: UserAuthenticator = serde_json::from_value(serde_json::json!({
            "userAuthenticatorId": "auth_1", "verificationMethod": "SMS", "phoneNumber": "+14155550123",
            "createdAt": "2026-11-23T10:00:00Z",
        }))
        .unwrap();
        let text = table(&[a]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "ID      METHOD  FOR           ADDED        LAST USED"
        );
        assert_eq!(lines[1], "auth_1  SMS     +14155550123  23 Nov 2026  never");
    }
}
