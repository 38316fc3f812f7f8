//! Offline Authsignal-compatible sandbox (filled by its own issue).
