//! What the recovery pages and the server both say.

/// A mailed link that is expired, used, or not ours.
pub const LINK_UNUSABLE: &str = "This link has expired or was already used. Ask for a new one.";
