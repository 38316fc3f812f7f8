//! The extractor every UI handler starts with: the visit's [`UiContext`], loaded from the `s`
//! token of the query (GET) or the form (POST), plus the other fields of that request, and
//! the binding check its screen needs.

use std::marker::PhantomData;

use axum::extract::{Form, FromRequest, Query, Request};
use axum::http::Method;
use axum::response::{IntoResponse, Response};

use super::context::UiContext;
use super::UiParams;
use crate::domain::Permission;
use crate::state::AppState;

/// What a screen needs beyond a valid visit: [`AnyScreen`] or [`MayAdd`].
pub(crate) trait Requirement {
    const PERMISSION: Option<Permission>;
}

/// Any screen of a valid visit.
pub(crate) struct AnyScreen;

impl Requirement for AnyScreen {
    const PERMISSION: Option<Permission> = None;
}

/// Enrollment screens: adding to an enrolled account needs a recent challenge or the scope.
pub(crate) struct MayAdd;

impl Requirement for MayAdd {
    const PERMISSION: Option<Permission> = Some(Permission::Add);
}

/// One UI request: its visit and its fields, after the check `R` asks for.
pub(crate) struct Ui<R: Requirement = AnyScreen> {
    pub ctx: UiContext,
    pub params: UiParams,
    requirement: PhantomData<R>,
}

impl<R: Requirement> FromRequest<AppState> for Ui<R> {
    /// axum's own rejection for an unreadable query or form, else the UI's error page.
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let params = ui_params(request, state).await?;
        let ctx = UiContext::load(state, params.s.as_deref())
            .await
            .map_err(IntoResponse::into_response)?;
        if let Some(permission) = R::PERMISSION {
            ctx.require(permission)
                .map_err(IntoResponse::into_response)?;
        }
        Ok(Ui {
            ctx,
            params,
            requirement: PhantomData,
        })
    }
}

/// Links and GET forms carry the fields in the query; POST forms in the body.
async fn ui_params(request: Request, state: &AppState) -> Result<UiParams, Response> {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        let Query(params) = Query::<UiParams>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(params)
    } else {
        let Form(params) = Form::<UiParams>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(params)
    }
}
