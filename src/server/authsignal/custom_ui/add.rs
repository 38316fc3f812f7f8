//! Adding an authenticator app, email codes or text-message codes on the storefront's own
//! pages: plain forms answered with a 303, the Client API called by the server with the
//! customer's token. An enrolled customer without a challenge in the last 10 minutes verifies
//! in the pre-built UI first and comes back to the same page.

use std::net::SocketAddr;

use authsignal::{ClientVerifyResponse, VerificationMethod};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{code_of, finish_added, may_add_now, qr, InPlace, Step};
use crate::domain::{Email, PhoneNumber};
use crate::model::custom_ui::{AddMethodStep, AddMethodView, NewMethod};
use crate::model::security::NoticeTone;
use crate::model::words;
use crate::model::AppError;
use crate::routes;
use crate::server::activity::log::EventKind;
use crate::server::authsignal::round_trip::{self, Completion, Purpose, Refusal, Started};
use crate::server::authsignal::views;
use crate::server::clock::now_unix;
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::web::error::PageResult;
use crate::server::web::extract::{Caller, SignedIn};
use crate::server::web::request_context::{with_device_cookie, RequestContext};
use crate::server::web::request_limits::PostedForm;

/// What an add page shows: the step this session is at for `method`, else where to start.
pub async fn view(method: NewMethod) -> Result<AddMethodView, AppError> {
    let Caller {
        session,
        user_id,
        state,
        ..
    } = Caller::signed_in().await?;
    let notice = session.take_notice().await?;
    let current = match session.in_place().await? {
        Some((in_place, pending))
            if pending.purpose == (Purpose::AddMethod { method }) && pending.user_id == user_id =>
        {
            Some(in_place)
        }
        _ => None,
    };
    let step = match current.map(|c| c.step) {
        Some(Step::AppSecret { uri, secret }) => AddMethodStep::ScanCode {
            qr_code: qr::data_uri(&uri),
            secret,
        },
        Some(Step::CodeSent { address, sent_at }) => AddMethodStep::EnterCode {
            sent_to: views::masked_address(&address),
            resend_in: InPlace::resend_in(sent_at),
        },
        _ => match may_add_now(&state, &session, &user_id).await {
            Ok(true) => AddMethodStep::Start,
            Ok(false) => AddMethodStep::VerifyFirst,
            Err(_) => AddMethodStep::Unavailable,
        },
    };
    Ok(AddMethodView {
        method,
        step,
        notice,
    })
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    method: String,
    /// Which button: `start`, `send`, `resend`, `verify`, `restart` or `verify-first`.
    #[serde(default, rename = "do")]
    action: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    code: String,
}

/// `POST /account/add-method`: every add page's buttons.
#[tracing::instrument(name = "add_method_step", skip_all)]
pub async fn step(
    State(state): State<AppState>,
    SignedIn { session, user_id }: SignedIn,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PostedForm(form): PostedForm<StepForm>,
) -> PageResult {
    let Some(method) = NewMethod::from_slug(&form.method) else {
        return Ok(Redirect::to(routes::ACCOUNT).into_response());
    };
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    let adding = Adding {
        state: &state,
        session: &session,
        user_id: &user_id,
        method,
        context: &context,
    };
    let response = match form.action.as_str() {
        "verify-first" => adding.verify_first().await?,
        "start" if method == NewMethod::AuthenticatorApp => adding.start_app().await?,
        "send" if method.sends_codes() => adding.send_code(&form.address).await?,
        "resend" if method.sends_codes() => adding.resend_code().await?,
        "verify" => adding.check_code(&form.code).await?,
        "restart" => {
            if adding.current().await?.is_some() {
                session.end_in_place().await?;
                state.users.end_change(&user_id).await;
            }
            adding.back()
        }
        _ => adding.back(),
    };
    Ok(with_device_cookie(response, context.device_cookie()))
}

/// One add-page form being answered.
struct Adding<'a> {
    state: &'a AppState,
    session: &'a TypedSession,
    user_id: &'a str,
    method: NewMethod,
    context: &'a RequestContext,
}

impl Adding<'_> {
    fn back(&self) -> Response {
        Redirect::to(self.method.page()).into_response()
    }

    async fn back_with(&self, tone: NoticeTone, message: &str) -> Result<Response, AppError> {
        self.session.set_notice(tone, message).await?;
        Ok(self.back())
    }

    /// This session's in-place step for this method and customer, if alive.
    async fn current(&self) -> Result<Option<InPlace>, AppError> {
        Ok(match self.session.in_place().await? {
            Some((in_place, pending))
                if pending.purpose
                    == (Purpose::AddMethod {
                        method: self.method,
                    })
                    && pending.user_id == self.user_id =>
            {
                Some(in_place)
            }
            _ => None,
        })
    }

    /// "Verify it's you": the pre-built UI's challenge, coming back to this page.
    async fn verify_first(&self) -> Result<Response, AppError> {
        let purpose = Purpose::VerifyToAddMethod {
            method: self.method,
        };
        let started = round_trip::start(
            self.state,
            self.session,
            self.user_id,
            purpose,
            self.context,
        )
        .await?;
        match started {
            Started::Go { url, repeated, .. } => {
                if !repeated {
                    let line = format!("Started verifying to add {}", self.method.words());
                    let events = &self.state.events;
                    events.record(self.user_id, EventKind::Launch, &line).await;
                }
                Ok(Redirect::to(&url).into_response())
            }
            started => {
                let why = started
                    .refused_by_rules()
                    .map_or(words::UNAVAILABLE_TO_CHANGE, Refusal::on_account);
                self.back_with(NoticeTone::Error, why).await
            }
        }
    }

    /// Tracks this method's add action (scoped when verified moments ago) and keeps its token:
    /// `None` after telling the customer why not.
    async fn launch(&self) -> Result<Option<InPlace>, AppError> {
        match may_add_now(self.state, self.session, self.user_id).await {
            Ok(true) => {}
            Ok(false) => {
                let message = words::verify_before_adding(self.method.words());
                self.session.set_notice(NoticeTone::Info, message).await?;
                return Ok(None);
            }
            Err(_) => {
                let message = words::UNAVAILABLE_TO_CHANGE;
                self.session.set_notice(NoticeTone::Error, message).await?;
                return Ok(None);
            }
        }
        let purpose = Purpose::AddMethod {
            method: self.method,
        };
        let started = round_trip::start(
            self.state,
            self.session,
            self.user_id,
            purpose,
            self.context,
        )
        .await?;
        let Started::Go {
            token: Some(token), ..
        } = started
        else {
            let why = started
                .refused_by_rules()
                .map_or(words::UNAVAILABLE_TO_CHANGE, Refusal::on_account);
            self.session.set_notice(NoticeTone::Error, why).await?;
            return Ok(None);
        };
        let pending = self.session.pending_round_trip().await?;
        let Some(pending) = pending else {
            return Err(AppError::Internal);
        };
        Ok(Some(InPlace {
            idempotency_key: pending.idempotency_key,
            user_id: self.user_id.to_string(),
            token: token.expose().to_string(),
            step: Step::Challenge {
                method: None,
                sent_to: None,
                sent_at: None,
            },
        }))
    }

    /// "Set up": a new secret for the authenticator app, shown as a QR code and in words.
    async fn start_app(&self) -> Result<Response, AppError> {
        // One authenticator app per account, as the account page offers it.
        let list = self.state.authsignal.get_authenticators(self.user_id).await;
        match list {
            Ok(list)
                if list
                    .iter()
                    .any(|a| a.verification_method == VerificationMethod::AuthenticatorApp) =>
            {
                return self
                    .back_with(NoticeTone::Info, words::APP_ALREADY_ADDED)
                    .await;
            }
            Ok(_) => {}
            Err(e) => return self.client_api_failed(e).await,
        }
        let Some(mut in_place) = self.launch().await? else {
            return Ok(self.back());
        };
        let api = self.state.authsignal.client_api();
        match api.enroll_totp(&in_place.token()).await {
            Ok(enrolled) => {
                in_place.step = Step::AppSecret {
                    uri: enrolled.uri,
                    secret: enrolled.secret,
                };
                self.session.set_in_place(&in_place).await?;
                Ok(self.back())
            }
            Err(e) => self.client_api_failed(e).await,
        }
    }

    /// "Send code": Authsignal sends a code to the address, which becomes the step's.
    async fn send_code(&self, raw: &str) -> Result<Response, AppError> {
        let address = match self.method {
            NewMethod::EmailOtp => Email::parse(raw).map(|e| e.to_string()).ok(),
            _ => PhoneNumber::parse(raw).map(|p| p.as_str().to_string()).ok(),
        };
        let Some(address) = address else {
            let message = match self.method {
                NewMethod::EmailOtp => words::EMAIL_ADDRESS_INVALID,
                _ => words::PHONE_NUMBER_INVALID,
            };
            return self.back_with(NoticeTone::Error, message).await;
        };
        if !self.may_send_to(&address).await {
            return self
                .back_with(NoticeTone::Error, words::TOO_MANY_SENDS)
                .await;
        }
        let Some(mut in_place) = self.launch().await? else {
            return Ok(self.back());
        };
        match self.enroll(&in_place, &address).await {
            Ok(()) => {
                in_place.step = Step::CodeSent {
                    address: address.clone(),
                    sent_at: now_unix(),
                };
                self.session.set_in_place(&in_place).await?;
                let message = words::code_sent_to(&views::masked_address(&address));
                self.back_with(NoticeTone::Info, &message).await
            }
            Err(e) => self.client_api_failed(e).await,
        }
    }

    /// Within the hourly limits of codes sent for this customer and to this address.
    async fn may_send_to(&self, address: &str) -> bool {
        let limits = &self.state.sign_in_limits;
        let allowed = limits.client_code(self.user_id, address).await.is_ok();
        if !allowed {
            tracing::warn!(user_id = %self.user_id, "adding a method: code sends limited");
        }
        allowed
    }

    /// Starts enrolling `address`: Authsignal sends it a code.
    async fn enroll(&self, in_place: &InPlace, address: &str) -> Result<(), authsignal::Error> {
        let api = self.state.authsignal.client_api();
        let token = in_place.token();
        match self.method {
            NewMethod::EmailOtp => api.enroll_email_otp(&token, address).await.map(drop),
            _ => api.enroll_sms(&token, address).await.map(drop),
        }
    }

    /// "Send a new code", once the wait is over.
    async fn resend_code(&self) -> Result<Response, AppError> {
        let Some(mut in_place) = self.current().await? else {
            return self.back_with(NoticeTone::Error, words::ADD_EXPIRED).await;
        };
        let Step::CodeSent { address, sent_at } = in_place.step.clone() else {
            return Ok(self.back());
        };
        let wait = InPlace::resend_in(sent_at);
        if wait > 0 {
            let message = words::resend_wait(wait);
            return self.back_with(NoticeTone::Info, &message).await;
        }
        if !self.may_send_to(&address).await {
            return self
                .back_with(NoticeTone::Error, words::TOO_MANY_SENDS)
                .await;
        }
        match self.enroll(&in_place, &address).await {
            Ok(()) => {
                in_place.step = Step::CodeSent {
                    sent_at: now_unix(),
                    address: address.clone(),
                };
                self.session.set_in_place(&in_place).await?;
                let message = words::code_sent_to(&views::masked_address(&address));
                self.back_with(NoticeTone::Info, &message).await
            }
            Err(e) => self.client_api_failed(e).await,
        }
    }

    /// "Verify": the code goes to Authsignal; a right one completes the round trip, which is
    /// validated server-side for this customer and this action before anything is said.
    async fn check_code(&self, raw: &str) -> Result<Response, AppError> {
        let Some(in_place) = self.current().await? else {
            return self.back_with(NoticeTone::Error, words::ADD_EXPIRED).await;
        };
        let Some(code) = code_of(raw) else {
            return self.back_with(NoticeTone::Error, words::CODE_FORMAT).await;
        };
        let api = self.state.authsignal.client_api();
        let token = in_place.token();
        let answer = match self.method {
            NewMethod::AuthenticatorApp => api.verify_totp(&token, &code).await,
            NewMethod::EmailOtp => api.verify_email_otp(&token, &code).await,
            NewMethod::Sms => api.verify_sms(&token, &code).await,
        };
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => return self.client_api_failed(e).await,
        };
        self.after_verify(answer).await
    }

    async fn after_verify(&self, answer: ClientVerifyResponse) -> Result<Response, AppError> {
        let (true, Some(access_token)) = (answer.is_verified, answer.access_token.clone()) else {
            if answer.attempts_exhausted() {
                self.session.end_in_place().await?;
                self.state.users.end_change(self.user_id).await;
                let line = format!(
                    "Adding {} was stopped: too many wrong codes",
                    self.method.words()
                );
                let events = &self.state.events;
                events.record(self.user_id, EventKind::Return, &line).await;
                return self
                    .back_with(NoticeTone::Error, words::TOO_MANY_CODES)
                    .await;
            }
            return self.back_with(NoticeTone::Error, words::CODE_WRONG).await;
        };
        // Authsignal has the authenticator now, whatever validation says next: an outage from
        // here on must not let a password alone through.
        self.state
            .users
            .remember_enrollment(self.user_id, true, None)
            .await;
        let completion = round_trip::complete(
            self.state,
            self.session,
            Some(access_token.expose().to_string()),
            Some(self.user_id),
            self.method.page(),
        )
        .await?;
        self.session.end_in_place().await?;
        match completion {
            Completion::Done {
                purpose: Purpose::AddMethod { .. },
                verified: true,
                started_at,
                ..
            } => {
                let added = answer
                    .user_authenticator
                    .as_ref()
                    .map(views::describe)
                    .unwrap_or_else(|| added_words(self.method));
                tracing::info!(user_id = %self.user_id, method = self.method.slug(), "authenticator added in place");
                finish_added(self.state, self.session, self.user_id, started_at, &added).await?;
                Ok(Redirect::to(routes::ACCOUNT).into_response())
            }
            Completion::Refused {
                why: Refusal::CannotConfirm,
                ..
            } => {
                // The code was right; only the confirmation failed: the list on the account
                // page says whether the authenticator is there.
                self.state.users.end_change(self.user_id).await;
                let message = words::ADDED_UNCONFIRMED;
                self.session.set_notice(NoticeTone::Info, message).await?;
                Ok(Redirect::to(routes::ACCOUNT).into_response())
            }
            Completion::Done { .. } | Completion::Refused { .. } => {
                self.state.users.end_change(self.user_id).await;
                tracing::warn!(user_id = %self.user_id, "a verified in-place code did not validate");
                self.back_with(NoticeTone::Error, Refusal::Invalid.on_account())
                    .await
            }
        }
    }

    /// Authsignal refused or could not be reached: nothing was added; the step stays unless
    /// the token itself is gone.
    async fn client_api_failed(&self, e: authsignal::Error) -> Result<Response, AppError> {
        tracing::warn!(error = %e, method = self.method.slug(), "a Client API call failed");
        // A launch that never got its step shown: later changes are not this browser's.
        if self.current().await?.is_none() {
            self.state.users.end_change(self.user_id).await;
        }
        let message = match e.status() {
            Some(401) => {
                self.session.end_in_place().await?;
                words::ADD_EXPIRED
            }
            Some(403) => {
                self.session.end_in_place().await?;
                words::VERIFY_BEFORE_ADD
            }
            Some(400 | 422) => match self.method {
                NewMethod::EmailOtp => words::EMAIL_ADDRESS_INVALID,
                NewMethod::Sms => words::PHONE_NUMBER_INVALID,
                NewMethod::AuthenticatorApp => words::UNAVAILABLE_TO_CHANGE,
            },
            Some(429) => words::TOO_MANY_SENDS,
            _ => words::UNAVAILABLE_TO_CHANGE,
        };
        self.back_with(NoticeTone::Error, message).await
    }
}

/// "Authenticator app", when Authsignal's answer didn't describe what was added.
fn added_words(method: NewMethod) -> String {
    let method = match method {
        NewMethod::AuthenticatorApp => VerificationMethod::AuthenticatorApp,
        NewMethod::EmailOtp => VerificationMethod::EmailOtp,
        NewMethod::Sms => VerificationMethod::Sms,
    };
    views::method_words(&method)
}
