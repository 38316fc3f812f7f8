//! Identifiers nobody can guess.

/// 128 random bits as 32 hex characters: ids, stamps and idempotency keys.
pub fn random_hex() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
