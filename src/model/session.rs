//! Who is signed in, and what a refused form left behind, as the pages show them.

use serde::{Deserialize, Serialize};

/// The signed-in customer as the pages show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    pub email: String,
}

/// Which form a failed post came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormName {
    SignUp,
    SignIn,
    ForgotPassword,
    ResetPassword,
    VerifyEmail,
}

/// What the customer typed (never the password) and why it was refused, kept for one render.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormState {
    pub error: String,
    pub email: String,
    pub name: String,
}
