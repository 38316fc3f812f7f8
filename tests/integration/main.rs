//! The storefront's black-box tests, linked into one binary (one copy of the server to link,
//! not one per file), grouped by the behaviour they cover.

#[allow(dead_code)]
mod support;

mod admin;
mod authenticators;
mod custom_ui;
mod hardening;
mod pages;
mod receipts;
mod recovery;
mod resilience;
mod sessions;
mod sign_in;
mod sign_up;
mod storage;
mod verify_email;
