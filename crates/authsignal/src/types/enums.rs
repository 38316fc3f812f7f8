//! Wire enums. Authsignal keeps adding values, so each has an `Unknown(String)` fallback that
//! serializes back to the exact string it was read from.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )*
            /// A value this version of the crate does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The exact string used on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(wire: &str) -> Self {
                match wire {
                    $( $wire => $name::$variant, )*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(wire: String) -> Self {
                match $name::from(wire.as_str()) {
                    $name::Unknown(_) => $name::Unknown(wire),
                    known => known,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map($name::from)
            }
        }
    };
}

wire_enum! {
    /// A way of verifying a user (`verificationMethod` on the wire).
    pub enum VerificationMethod {
        /// One-time code by SMS (`SMS`).
        Sms => "SMS",
        /// One-time code by email (`EMAIL_OTP`).
        EmailOtp => "EMAIL_OTP",
        /// Magic link by email (`EMAIL_MAGIC_LINK`).
        EmailMagicLink => "EMAIL_MAGIC_LINK",
        /// TOTP authenticator app (`AUTHENTICATOR_APP`).
        AuthenticatorApp => "AUTHENTICATOR_APP",
        /// Passkey (`PASSKEY`).
        Passkey => "PASSKEY",
        /// Hardware security key (`SECURITY_KEY`).
        SecurityKey => "SECURITY_KEY",
        /// Push notification to the mobile SDK (`PUSH`).
        Push => "PUSH",
        /// Device credential of the mobile SDK (`DEVICE`).
        Device => "DEVICE",
        /// One-time code by WhatsApp (`WHATSAPP`).
        Whatsapp => "WHATSAPP",
        /// Veriff identity verification (`VERIFF`).
        Veriff => "VERIFF",
        /// iProov face verification (`IPROOV`).
        Iproov => "IPROOV",
        /// IDVerse identity verification (`IDVERSE`).
        Idverse => "IDVERSE",
        /// Palm biometrics (`PALM_BIOMETRICS_RR`).
        PalmBiometricsRr => "PALM_BIOMETRICS_RR",
        /// Recovery code (`RECOVERY_CODE`).
        RecoveryCode => "RECOVERY_CODE",
    }
}

wire_enum! {
    /// The state of a tracked action (`state` on the wire).
    pub enum ActionState {
        /// Let the user proceed (`ALLOW`); also returned when nothing is enrolled yet.
        Allow => "ALLOW",
        /// Refuse the action (`BLOCK`).
        Block => "BLOCK",
        /// The user must complete a challenge first (`CHALLENGE_REQUIRED`).
        ChallengeRequired => "CHALLENGE_REQUIRED",
        /// The user completed the challenge (`CHALLENGE_SUCCEEDED`).
        ChallengeSucceeded => "CHALLENGE_SUCCEEDED",
        /// The user failed the challenge (`CHALLENGE_FAILED`).
        ChallengeFailed => "CHALLENGE_FAILED",
        /// A reviewer must decide (`REVIEW_REQUIRED`).
        ReviewRequired => "REVIEW_REQUIRED",
        /// A reviewer approved (`REVIEW_SUCCEEDED`).
        ReviewSucceeded => "REVIEW_SUCCEEDED",
        /// A reviewer rejected (`REVIEW_FAILED`).
        ReviewFailed => "REVIEW_FAILED",
    }
}

wire_enum! {
    /// The channel an SMS authenticator last used (`previousSmsChannel` on the wire).
    pub enum SmsChannel {
        /// Plain SMS (`DEFAULT`).
        Default => "DEFAULT",
        /// WhatsApp (`WHATSAPP`).
        Whatsapp => "WHATSAPP",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip() {
        let method: VerificationMethod =
            serde_json::from_str("\"EMAIL_MAGIC_LINK\"").expect("json");
        assert_eq!(method, VerificationMethod::EmailMagicLink);
        assert_eq!(
            serde_json::to_string(&method).expect("json"),
            "\"EMAIL_MAGIC_LINK\""
        );
    }

    #[test]
    fn unknown_values_are_kept_verbatim() {
        let state: ActionState = serde_json::from_str("\"CHALLENGE_INITIATED\"").expect("json");
        assert_eq!(
            state,
            ActionState::Unknown("CHALLENGE_INITIATED".to_owned())
        );
        assert_eq!(
            serde_json::to_string(&state).expect("json"),
            "\"CHALLENGE_INITIATED\""
        );
        assert_eq!(state.to_string(), "CHALLENGE_INITIATED");
    }

    #[test]
    fn matching_is_case_sensitive() {
        assert_eq!(
            SmsChannel::from("whatsapp"),
            SmsChannel::Unknown("whatsapp".to_owned())
        );
    }
}
