//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    SsrMode, StaticSegment,
};

use crate::components::{header::SiteHeader, signed_in::SignedIn};
use crate::model::custom_ui::NewMethod;
use crate::pages::add_method::AddMethodPage;
use crate::pages::add_passkey::AddPasskeyPage;
use crate::pages::recovery::{ForgotPasswordPage, NotMePage, ResetPasswordPage};
use crate::pages::verify_email::VerifyEmailPage;
use crate::pages::verify_its_you::VerifyItsYouPage;
use crate::pages::{
    account::AccountPage, home::HomePage, not_found::NotFound, sign_in::SignInPage,
    sign_up::SignUpPage,
};
use crate::routes;

/// The document every page renders into.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // Tokens come back in the address bar: never send them on in a Referer.
                <meta name="referrer" content="strict-origin-when-cross-origin"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// A route table segment for one of `crate::routes`' paths.
fn segment(path: &'static str) -> StaticSegment<&'static str> {
    StaticSegment(path.trim_start_matches('/'))
}

/// The storefront application: header plus routed pages. Their paths, and which need a
/// signed-in customer (`routes::SIGNED_IN_ONLY`), are declared in `crate::routes`.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    SignedIn::provide();

    // Async SSR: every page arrives complete, so it works with JavaScript off.
    view! {
        <Stylesheet id="leptos" href="/pkg/storefront.css"/>
        <Title formatter=|text| format!("{text} · Northwind Supply")/>
        <Router>
            <SiteHeader/>
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=segment(routes::HOME) view=HomePage ssr=SsrMode::Async/>
                    <Route path=segment(routes::SIGN_UP) view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=segment(routes::SIGN_IN) view=SignInPage ssr=SsrMode::Async/>
                    <Route path=segment(routes::ACCOUNT) view=AccountPage ssr=SsrMode::Async/>
                    <Route path=segment(routes::FORGOT_PASSWORD) view=ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=segment(routes::RESET_PASSWORD) view=ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=segment(routes::NOT_ME) view=NotMePage ssr=SsrMode::Async/>
                    <Route path=segment(routes::VERIFY_EMAIL) view=VerifyEmailPage ssr=SsrMode::Async/>
                    // routes::ADD_PASSKEY, segment by segment.
                    <Route path=(StaticSegment("account"), StaticSegment("add-passkey")) view=AddPasskeyPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("add-authenticator-app")) view=|| view! { <AddMethodPage method=NewMethod::AuthenticatorApp/> } ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("add-email-codes")) view=|| view! { <AddMethodPage method=NewMethod::EmailOtp/> } ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("add-text-message-codes")) view=|| view! { <AddMethodPage method=NewMethod::Sms/> } ssr=SsrMode::Async/>
                    <Route path=segment(routes::VERIFY_ITS_YOU) view=VerifyItsYouPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Northwind Supply · a demo storefront · two-step sign-in by Authsignal"</p>
            </footer>
        </Router>
    }
}
