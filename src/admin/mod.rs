//! `storefront admin …`: the operators' CLI for customers' Authsignal authenticators —
//! support (list, enroll a verified contact, remove a compromised one) and bulk migration.
//! It reads the same configuration as the server, so it works against the sandbox or a tenant.

mod authenticators;
mod contact;
mod context;
mod enroll;
mod import;
mod logging;
mod release;
mod remove;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use context::Failure;

/// Exit codes (README "Admin CLI"): 0 ok, 1 a refusal or failed row, 2 usage or configuration.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
/// What shells report for Ctrl-C, so scripts can tell an interrupted import apart.
pub const EXIT_INTERRUPTED: u8 = 130;

const ABOUT: &str =
    "Manage customers' Authsignal authenticators: support, migration and bulk work.";

const LONG_ABOUT: &str = "\
Manage customers' Authsignal authenticators: support, migration and bulk work.

Uses the server's configuration: customers are looked up by email in the storefront database
(DATABASE_URL, or STOREFRONT_DATA_DIR/storefront.db), and every action is logged and added to
the customer's security activity on /account.

Authsignal: with AUTHSIGNAL_SECRET_KEY set, the CLI talks to AUTHSIGNAL_API_URL (a real
tenant, or a standalone sandbox such as http://127.0.0.1:7700/v1). Without it the storefront
embeds the sandbox, which exists only while the server runs, so the CLI talks to the running
storefront at {STOREFRONT_BASE_URL}/sandbox/v1 — start the storefront first.

Exit codes: 0 ok, 1 a refusal or a failed row, 2 usage or configuration error, 130 interrupted.";

/// `storefront admin …`
#[derive(Debug, Parser)]
#[command(name = "storefront admin", bin_name = "storefront admin", about = ABOUT, long_about = LONG_ABOUT)]
struct AdminCli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List a customer's authenticators (a table, or JSON with --json).
    Authenticators(authenticators::Args),
    /// Enroll an email or phone number the operator has already verified.
    EnrollVerified(enroll::Args),
    /// Remove one authenticator (refuses the last one unless --force).
    RemoveAuthenticator(remove::Args),
    /// Enroll verified contacts in bulk from a CSV file (columns: email, optional phone).
    Import(import::Args),
    /// Let a customer held after a "this wasn't me" report sign in and reset again.
    ReleaseHold(release::Args),
}

/// Runs the CLI; `args` starts with the word `admin` (it stands in for the program name).
pub async fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match AdminCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    logging::init();
    let outcome = match context::Admin::from_env().await {
        Ok(admin) => match cli.command {
            Command::Authenticators(args) => authenticators::run(&admin, args).await,
            Command::EnrollVerified(args) => enroll::run(&admin, args).await,
            Command::RemoveAuthenticator(args) => remove::run(&admin, args).await,
            Command::Import(args) => import::run(&admin, args).await,
            Command::ReleaseHold(args) => release::run(&admin, args).await,
        },
        Err(failure) => Err(failure),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}
