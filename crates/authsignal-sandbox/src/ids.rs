//! Random identifiers from the OS CSPRNG.

use rand::rngs::OsRng;
use rand::RngCore;

/// A UUID-v4-shaped random id, like the ids Authsignal hands out.
pub(crate) fn new_uuid() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    uuid_shaped(bytes)
}

/// Formats 16 bytes as a UUID v4 (version and variant bits set).
pub(crate) fn uuid_shaped(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_have_the_usual_shape_and_differ() {
        let a = super::new_uuid();
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
        assert_ne!(a, super::new_uuid());
    }
}
