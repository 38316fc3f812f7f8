//! One load of "who is signed in" per page, shared by the header and the pages.

use leptos::prelude::*;

use crate::api::session::current_user;
use crate::model::session::Customer;
use crate::model::AppError;

/// The signed-in customer (`None` when signed out), loaded once per page render.
#[derive(Clone, Copy)]
pub struct SignedIn(pub Resource<Result<Option<Customer>, AppError>>);

impl SignedIn {
    /// Creates the shared resource; call once, in `<App/>`.
    pub fn provide() {
        provide_context(SignedIn(Resource::new(|| (), |_| current_user())));
    }

    pub fn use_context() -> SignedIn {
        expect_context::<SignedIn>()
    }
}
