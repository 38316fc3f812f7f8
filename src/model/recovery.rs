//! What the recovery pages and the server both say.
