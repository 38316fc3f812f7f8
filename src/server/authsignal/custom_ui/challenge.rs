//! Sign-in's and reset's second step on the storefront's own page
//! (`STOREFRONT_CHALLENGE_UI=custom`): the customer's methods, default first; a code sent by
//! email or SMS, or read from the authenticator app, checked through the Client API. A right
//! code ends exactly where a return from the pre-built UI does (`finish_sign_in`,
//! `finish_reset`), so the fail-closed rules and limits are the same ones.

use std::net::SocketAddr;

use authsignal::{ChallengeToken, ClientVerifyResponse, UserAuthenticator, VerificationMethod};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{code_of, InPlace, Step};
use crate::model::custom_ui::{ChallengeMethod, ChallengeOption, ChallengeStep, ChallengeView};
use crate::model::security::NoticeTone;
use crate::model::words;
use crate::model::AppError;
use crate::routes;
use crate::server::accounts::two_step::finish_sign_in;
use crate::server::authsignal::round_trip::{Pending, Purpose};
use crate::server::authsignal::views;
use crate::server::clock::now_unix;
use crate::server::config::ChallengeUi;
use crate::server::recovery::reset::finish_reset;
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::web::error::PageResult;
use crate::server::web::request_context::RequestContext;
use crate::server::web::request_limits::PostedForm;

/// In custom mode, keeps a sign-in's or reset's launch token for this page and answers where
/// to send the browser instead of the pre-built UI.
pub async fn answer_here(
    state: &AppState,
    session: &TypedSession,
    token: Option<&ChallengeToken>,
) -> Result<Option<&'static str>, AppError> {
    let (ChallengeUi::Custom, Some(token)) = (state.settings.challenge_ui, token) else {
        return Ok(None);
    };
    let Some(pending) = session.pending_round_trip().await? else {
        return Ok(None);
    };
    session
        .set_in_place(&InPlace {
            idempotency_key: pending.idempotency_key,
            user_id: pending.user_id,
            token: token.expose().to_string(),
            step: Step::Challenge {
                method: None,
                sent_to: None,
                sent_at: None,
            },
        })
        .await?;
    Ok(Some(routes::VERIFY_ITS_YOU))
}

/// The second step waiting in this session, if any.
async fn waiting(session: &TypedSession) -> Result<Option<(InPlace, Pending)>, AppError> {
    Ok(session
        .in_place()
        .await?
        .filter(|(_, pending)| pending.purpose.is_sign_in()))
}

/// What the page shows.
pub async fn view() -> Result<ChallengeView, AppError> {
    let session = TypedSession::extract().await?;
    let state = AppState::from_context()?;
    let notice = session.take_notice().await?;
    let Some((in_place, pending)) = waiting(&session).await? else {
        return Ok(ChallengeView {
            step: ChallengeStep::NothingPending,
            notice,
            for_reset: false,
        });
    };
    let for_reset = matches!(pending.purpose, Purpose::ResetPassword { .. });
    let step = match in_place.step {
        Step::Challenge {
            method: Some(method),
            sent_to,
            sent_at,
        } => ChallengeStep::EnterCode {
            method,
            sent_to,
            resend_in: sent_at.map_or(0, InPlace::resend_in),
            others: true,
        },
        _ => {
            let options = match methods_of(&state, &pending.user_id).await {
                Ok((list, default)) => options(&list, default.as_ref()),
                Err(e) => {
                    tracing::warn!(error = %e, "Authsignal unavailable on the second-step page");
                    Vec::new()
                }
            };
            ChallengeStep::Choose {
                options,
                other_ways: true,
            }
        }
    };
    Ok(ChallengeView {
        step,
        notice,
        for_reset,
    })
}

/// The customer's authenticators and default method, asked together.
async fn methods_of(
    state: &AppState,
    user_id: &str,
) -> Result<(Vec<UserAuthenticator>, Option<VerificationMethod>), authsignal::Error> {
    let (user, list) = tokio::try_join!(
        state.authsignal.get_user(user_id),
        state.authsignal.get_authenticators(user_id)
    )?;
    Ok((list, user.default_verification_method))
}

/// The methods this page can answer with, the default first, each once.
fn options(
    list: &[UserAuthenticator],
    default: Option<&VerificationMethod>,
) -> Vec<ChallengeOption> {
    let mut sorted: Vec<&UserAuthenticator> = list.iter().collect();
    sorted.sort_by_key(|a| Some(&a.verification_method) != default);
    let mut options: Vec<ChallengeOption> = Vec::new();
    for a in sorted {
        let Some(method) = challenge_method(&a.verification_method) else {
            continue;
        };
        if options.iter().any(|o| o.method == method) {
            continue;
        }
        let label = match (method, address_of(a)) {
            (ChallengeMethod::AuthenticatorApp, _) => "Use your authenticator app".to_string(),
            (ChallengeMethod::EmailOtp, Some(to)) => format!("Email a code to {to}"),
            (ChallengeMethod::EmailOtp, None) => "Email me a code".to_string(),
            (ChallengeMethod::Sms, Some(to)) => format!("Text a code to {to}"),
            (ChallengeMethod::Sms, None) => "Text me a code".to_string(),
        };
        options.push(ChallengeOption { method, label });
    }
    options
}

fn challenge_method(method: &VerificationMethod) -> Option<ChallengeMethod> {
    match method {
        VerificationMethod::AuthenticatorApp => Some(ChallengeMethod::AuthenticatorApp),
        VerificationMethod::EmailOtp => Some(ChallengeMethod::EmailOtp),
        VerificationMethod::Sms => Some(ChallengeMethod::Sms),
        _ => None,
    }
}

/// Where this authenticator's codes go, masked.
fn address_of(a: &UserAuthenticator) -> Option<String> {
    a.email
        .as_deref()
        .or(a.phone_number.as_deref())
        .map(views::masked_address)
}

#[derive(Deserialize)]
pub struct StepForm {
    /// Which button: `choose`, `resend`, `verify`, `back` or `other-way`.
    #[serde(default, rename = "do")]
    action: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    code: String,
}

/// `POST /verify-its-you/step`: the second-step page's buttons.
#[tracing::instrument(name = "second_step", skip_all)]
pub async fn step(
    State(state): State<AppState>,
    session: TypedSession,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PostedForm(form): PostedForm<StepForm>,
) -> PageResult {
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    let Some((in_place, pending)) = waiting(&session).await? else {
        session
            .set_notice(NoticeTone::Error, words::SECOND_STEP_EXPIRED)
            .await?;
        return Ok(Redirect::to(routes::VERIFY_ITS_YOU).into_response());
    };
    let answering = Answering {
        state: &state,
        session: &session,
        context: &context,
        in_place,
        pending,
    };
    Ok(match form.action.as_str() {
        "choose" => match ChallengeMethod::from_slug(&form.method) {
            Some(method) => answering.choose(method).await?,
            None => back(),
        },
        "resend" => answering.resend().await?,
        "verify" => answering.check_code(&form.code).await?,
        "back" => answering.choose_again().await?,
        "other-way" => {
            // The pre-built UI answers the same launch and returns to the same finish.
            session.take_in_place().await?;
            Redirect::to(&answering.pending.url).into_response()
        }
        _ => back(),
    })
}

fn back() -> Response {
    Redirect::to(routes::VERIFY_ITS_YOU).into_response()
}

struct Answering<'a> {
    state: &'a AppState,
    session: &'a TypedSession,
    context: &'a RequestContext,
    in_place: InPlace,
    pending: Pending,
}

impl Answering<'_> {
    async fn back_with(&self, tone: NoticeTone, message: &str) -> PageResult {
        self.session.set_notice(tone, message).await?;
        Ok(back())
    }

    async fn save(&self, step: Step) -> Result<(), AppError> {
        let in_place = InPlace {
            step,
            ..self.in_place.clone()
        };
        self.session.set_in_place(&in_place).await
    }

    fn chosen(&self) -> Option<(ChallengeMethod, Option<i64>)> {
        match &self.in_place.step {
            Step::Challenge {
                method: Some(method),
                sent_at,
                ..
            } => Some((*method, *sent_at)),
            _ => None,
        }
    }

    /// A method of the customer's: a code is sent (email, SMS) or read from the app.
    async fn choose(&self, method: ChallengeMethod) -> PageResult {
        let list = match self
            .state
            .authsignal
            .get_authenticators(&self.pending.user_id)
            .await
        {
            Ok(list) => list,
            Err(e) => {
                tracing::warn!(error = %e, "Authsignal unavailable choosing a second step");
                return self
                    .back_with(NoticeTone::Error, words::SIGN_IN_UNAVAILABLE)
                    .await;
            }
        };
        let Some(option) = options(&list, None)
            .into_iter()
            .find(|o| o.method == method)
        else {
            return Ok(back());
        };
        let sent_to = list
            .iter()
            .find(|a| challenge_method(&a.verification_method) == Some(method))
            .and_then(address_of);
        let sent_at = match method {
            ChallengeMethod::AuthenticatorApp => None,
            _ => {
                if !self.may_send(method).await {
                    return self
                        .back_with(NoticeTone::Error, words::TOO_MANY_SENDS)
                        .await;
                }
                if let Err(e) = self.send(method).await {
                    return self.failed(e).await;
                }
                Some(now_unix())
            }
        };
        self.save(Step::Challenge {
            method: Some(option.method),
            sent_to: sent_to.clone(),
            sent_at,
        })
        .await?;
        match sent_to.filter(|_| sent_at.is_some()) {
            Some(to) => {
                let message = words::code_sent_to(&to);
                self.back_with(NoticeTone::Info, &message).await
            }
            None => Ok(back()),
        }
    }

    /// Within the hourly limits of codes sent for this customer and to this method's address.
    async fn may_send(&self, method: ChallengeMethod) -> bool {
        let user_id = &self.pending.user_id;
        let address = format!("enrolled:{user_id}:{}", method.slug());
        let limits = &self.state.sign_in_limits;
        let allowed = limits.client_code(user_id, &address).await.is_ok();
        if !allowed {
            tracing::warn!(user_id = %user_id, "second step: code sends limited");
        }
        allowed
    }

    async fn send(&self, method: ChallengeMethod) -> Result<(), authsignal::Error> {
        let api = self.state.authsignal.client_api();
        let token = self.in_place.token();
        match method {
            ChallengeMethod::EmailOtp => api.challenge_email_otp(&token).await.map(drop),
            ChallengeMethod::Sms => api.challenge_sms(&token).await.map(drop),
            ChallengeMethod::AuthenticatorApp => Ok(()),
        }
    }

    /// "Send a new code", once the wait is over.
    async fn resend(&self) -> PageResult {
        let Some((method, Some(sent_at))) = self.chosen() else {
            return Ok(back());
        };
        let wait = InPlace::resend_in(sent_at);
        if wait > 0 {
            return self
                .back_with(NoticeTone::Info, &words::resend_wait(wait))
                .await;
        }
        if !self.may_send(method).await {
            return self
                .back_with(NoticeTone::Error, words::TOO_MANY_SENDS)
                .await;
        }
        if let Err(e) = self.send(method).await {
            return self.failed(e).await;
        }
        let sent_to = match &self.in_place.step {
            Step::Challenge { sent_to, .. } => sent_to.clone(),
            _ => None,
        };
        self.save(Step::Challenge {
            method: Some(method),
            sent_to: sent_to.clone(),
            sent_at: Some(now_unix()),
        })
        .await?;
        let message = words::code_sent_to(sent_to.as_deref().unwrap_or("you"));
        self.back_with(NoticeTone::Info, &message).await
    }

    async fn choose_again(&self) -> PageResult {
        self.save(Step::Challenge {
            method: None,
            sent_to: None,
            sent_at: None,
        })
        .await?;
        Ok(back())
    }

    /// "Verify": a right code finishes like a return from the pre-built UI; spent attempts end
    /// the launch as not verified, through the same finish.
    async fn check_code(&self, raw: &str) -> PageResult {
        let Some((method, _)) = self.chosen() else {
            return Ok(back());
        };
        let Some(code) = code_of(raw) else {
            return self.back_with(NoticeTone::Error, words::CODE_FORMAT).await;
        };
        // Every code counts, so repeated sign-ins with a known password can't guess on.
        let limits = &self.state.sign_in_limits;
        if limits
            .second_step_guess(&self.pending.user_id)
            .await
            .is_err()
        {
            tracing::warn!(user_id = %self.pending.user_id, "second step: too many codes; refused");
            self.session.take_in_place().await?;
            return self.finish(None).await;
        }
        let api = self.state.authsignal.client_api();
        let token = self.in_place.token();
        let answer = match method {
            ChallengeMethod::AuthenticatorApp => api.verify_totp(&token, &code).await,
            ChallengeMethod::EmailOtp => api.verify_email_otp(&token, &code).await,
            ChallengeMethod::Sms => api.verify_sms(&token, &code).await,
        };
        match answer {
            Ok(answer) => self.after_verify(answer).await,
            Err(e) => self.failed(e).await,
        }
    }

    async fn after_verify(&self, answer: ClientVerifyResponse) -> PageResult {
        let exhausted = answer.attempts_exhausted();
        let token = match (answer.is_verified, answer.access_token) {
            (true, Some(token)) => Some(token.expose().to_string()),
            _ if exhausted => None,
            _ => return self.back_with(NoticeTone::Error, words::CODE_WRONG).await,
        };
        self.session.take_in_place().await?;
        self.finish(token).await
    }

    /// The same finish as the pre-built UI's return: `None` ends the launch as refused.
    async fn finish(&self, token: Option<String>) -> PageResult {
        match self.pending.purpose {
            Purpose::ResetPassword { .. } => {
                finish_reset(self.state, self.session, self.context, token).await
            }
            _ => finish_sign_in(self.state, self.session, self.context, token).await,
        }
    }

    /// Authsignal refused or could not be reached: a token it no longer takes ends the step
    /// (refused, like an expired return); an outage leaves it to try again.
    async fn failed(&self, e: authsignal::Error) -> PageResult {
        tracing::warn!(error = %e, "a Client API call failed on the second step");
        if matches!(e.status(), Some(401 | 403)) {
            self.session.take_in_place().await?;
            return self.finish(None).await;
        }
        self.back_with(NoticeTone::Error, words::SIGN_IN_UNAVAILABLE)
            .await
    }
}
