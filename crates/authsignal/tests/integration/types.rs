//! Decoding realistic bodies, unknown values and missing fields; encoding without nulls.

use authsignal::{
    ActionState, EnrollVerifiedAuthenticatorRequest, GetUserResponse, TrackRequest, TrackResponse,
    UpdateUserRequest, UserAuthenticator, ValidateChallengeResponse, VerificationMethod,
};
use serde_json::json;

fn decode<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("decodes")
}

#[test]
fn passkey_authenticator_with_every_documented_field() {
    let authenticator: UserAuthenticator = decode(json!({
        "userAuthenticatorId": "ua_1",
        "verificationMethod": "PASSKEY",
        "createdAt": "2025-02-03T04:05:06.789Z",
        "verifiedAt": "2025-02-03T04:05:07.000Z",
        "lastVerifiedAt": "2025-03-01T10:00:00.000Z",
        "userId": "shop:42",
        "username": "ana@example.com",
        "displayName": "Ana",
        "webauthnCredential": {
            "credentialId": "cred-abc",
            "deviceId": "dev-1",
            "name": "Chrome on Mac OS",
            "aaguid": "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
            "aaguidMapping": {
                "name": "Google Password Manager",
                "svgIconLight": "data:image/svg+xml;base64,PHN2Zz4=",
                "svgIconDark": "data:image/svg+xml;base64,PHN2Zy8+"
            },
            "credentialBackedUp": true,
            "credentialDeviceType": "multiDevice",
            "authenticatorAttachment": "platform",
            "parsedUserAgent": {
                "ua": "Mozilla/5.0 (Macintosh)",
                "browser": {"name": "Chrome", "version": "131.0.0.0", "major": "131"},
                "device": {"model": "Macintosh", "type": "desktop", "vendor": "Apple"},
                "engine": {"name": "Blink", "version": "131.0.0.0"},
                "os": {"name": "Mac OS", "version": "10.15.7"},
                "cpu": {"architecture": "arm64"}
            }
        }
    }));

    assert_eq!(
        authenticator.verification_method,
        VerificationMethod::Passkey
    );
    assert_eq!(
        authenticator.last_verified_at.as_deref(),
        Some("2025-03-01T10:00:00.000Z")
    );
    let credential = authenticator
        .webauthn_credential
        .as_ref()
        .expect("credential");
    let mapping = credential.aaguid_mapping.as_ref().expect("mapping");
    assert_eq!(mapping.name.as_deref(), Some("Google Password Manager"));
    assert_eq!(credential.credential_backed_up, Some(true));
    let agent = credential.parsed_user_agent.as_ref().expect("user agent");
    assert_eq!(
        agent.device.as_ref().and_then(|d| d.device_type.as_deref()),
        Some("desktop")
    );
    assert_eq!(
        agent.cpu.as_ref().and_then(|c| c.architecture.as_deref()),
        Some("arm64")
    );
    assert_eq!(
        agent.browser.as_ref().and_then(|b| b.major.as_deref()),
        Some("131")
    );
}

#[test]
fn authenticator_round_trips_to_the_same_json() {
    let wire = json!({
        "userAuthenticatorId": "ua_2",
        "verificationMethod": "SMS",
        "createdAt": "2025-02-03T04:05:06.789Z",
        "phoneNumber": "+64211234567",
        "previousSmsChannel": "DEFAULT",
        "webauthnCredential": {
            "credentialId": "c",
            "parsedUserAgent": {"device": {"type": "mobile"}}
        }
    });
    let authenticator: UserAuthenticator = decode(wire.clone());
    assert_eq!(serde_json::to_value(&authenticator).expect("encodes"), wire);
}

#[test]
fn unknown_enum_values_decode_and_encode_verbatim() {
    let authenticator: UserAuthenticator = decode(json!({
        "userAuthenticatorId": "ua_3",
        "verificationMethod": "HOLOGRAM",
        "createdAt": "2025-01-01T00:00:00Z",
        "previousSmsChannel": "CARRIER_PIGEON"
    }));
    assert_eq!(
        authenticator.verification_method,
        VerificationMethod::Unknown("HOLOGRAM".into())
    );

    let encoded = serde_json::to_value(&authenticator).expect("encodes");
    assert_eq!(encoded["verificationMethod"], "HOLOGRAM");
    assert_eq!(encoded["previousSmsChannel"], "CARRIER_PIGEON");

    let tracked: TrackResponse = decode(json!({"state": "CHALLENGE_INITIATED"}));
    assert_eq!(
        tracked.state,
        ActionState::Unknown("CHALLENGE_INITIATED".into())
    );
}

#[test]
fn unknown_user_decodes_from_is_enrolled_alone() {
    let user: GetUserResponse = decode(json!({"isEnrolled": false}));
    assert_eq!(user, GetUserResponse::default());

    let empty: GetUserResponse = decode(json!({}));
    assert!(!empty.is_enrolled);
}

#[test]
fn get_user_with_every_documented_field() {
    let user: GetUserResponse = decode(json!({
        "isEnrolled": true,
        "email": "ana@example.com",
        "emailVerified": true,
        "phoneNumber": "+64211234567",
        "phoneNumberVerified": false,
        "username": "ana",
        "displayName": "Ana",
        "enrolledVerificationMethods": ["SMS", "RECOVERY_CODE"],
        "allowedVerificationMethods": ["SMS", "PASSKEY", "WHATSAPP"],
        "defaultVerificationMethod": "SMS",
        "custom": {"tier": "gold", "orders": 3},
        "locale": "en-NZ"
    }));
    assert_eq!(user.phone_number_verified, Some(false));
    assert_eq!(
        user.enrolled_verification_methods[1],
        VerificationMethod::RecoveryCode
    );
    assert_eq!(
        user.allowed_verification_methods[2],
        VerificationMethod::Whatsapp
    );
    assert_eq!(
        user.custom.as_ref().and_then(|c| c.get("orders")),
        Some(&json!(3))
    );
    assert_eq!(user.locale.as_deref(), Some("en-NZ"));
}

#[test]
fn track_response_tolerates_missing_fields_and_the_legacy_url_name() {
    let tracked: TrackResponse = decode(json!({
        "state": "ALLOW",
        "idempotencyKey": "k",
        "challengeUrl": "https://mfa.example/legacy"
    }));
    assert_eq!(tracked.url, "https://mfa.example/legacy");
    assert!(tracked.token.is_empty());
    assert!(tracked.enrolled_verification_methods.is_empty());
    assert_eq!(tracked.default_verification_method, None);
}

#[test]
fn track_response_debug_hides_the_token() {
    let tracked: TrackResponse = decode(json!({"state": "ALLOW", "token": "eyJ.SECRET.sig"}));
    assert!(!format!("{tracked:?}").contains("SECRET"));
    assert_eq!(
        serde_json::to_value(&tracked).expect("encodes")["token"],
        "eyJ.SECRET.sig"
    );
}

#[test]
fn validate_accepts_action_code_alone_or_alongside_action() {
    let legacy: ValidateChallengeResponse =
        decode(json!({"isValid": true, "actionCode": "signIn"}));
    assert_eq!(legacy.action.as_deref(), Some("signIn"));

    let both: ValidateChallengeResponse =
        decode(json!({"isValid": true, "action": "signIn", "actionCode": "old"}));
    assert_eq!(both.action.as_deref(), Some("signIn"));

    let encoded = serde_json::to_value(&legacy).expect("encodes");
    assert_eq!(encoded, json!({"isValid": true, "action": "signIn"}));
}

#[test]
fn validate_without_is_valid_fails_closed() {
    let response: ValidateChallengeResponse = decode(json!({"state": "CHALLENGE_SUCCEEDED"}));
    assert!(!response.is_valid);
}

#[test]
fn pending_challenge_is_not_a_success() {
    let response: ValidateChallengeResponse = decode(json!({
        "isValid": false, "state": "CHALLENGE_REQUIRED", "userId": "u1", "action": "signIn"
    }));
    assert!(!response.succeeded_for("u1", "signIn"));
}

#[test]
fn requests_omit_none_fields() {
    assert_eq!(
        serde_json::to_value(TrackRequest::default()).expect("encodes"),
        json!({})
    );
    assert_eq!(
        serde_json::to_value(UpdateUserRequest::default()).expect("encodes"),
        json!({})
    );
    assert_eq!(
        serde_json::to_value(EnrollVerifiedAuthenticatorRequest::email_otp(
            "a@example.com"
        ))
        .expect("encodes"),
        json!({"verificationMethod": "EMAIL_OTP", "email": "a@example.com"})
    );
}

#[test]
fn requests_decode_from_their_wire_form() {
    let request: TrackRequest =
        decode(json!({"redirectUrl": "https://x", "scope": "read:authenticators"}));
    assert_eq!(request.redirect_url.as_deref(), Some("https://x"));
    assert_eq!(
        request.scope.as_deref(),
        Some(authsignal::scopes::READ_AUTHENTICATORS)
    );
    assert_eq!(request.email, None);
}
