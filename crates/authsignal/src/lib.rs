//! Typed async client for the Authsignal Server API (filled by its own issue).
