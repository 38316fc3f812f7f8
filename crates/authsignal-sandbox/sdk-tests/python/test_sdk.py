"""The official PyPI `authsignal` SDK, unchanged, against the sandbox."""

import pytest
from authsignal.client import ApiException, AuthsignalClient

from ui_driver import (
    SANDBOX_URL,
    SECRET_KEY,
    clear_faults,
    complete_email_challenge,
    set_fault,
    unique_user_id,
)

UNAUTHORIZED = "The request is unauthorized. Check that your API key and region base URL are correctly configured."


@pytest.fixture
def client():
    return AuthsignalClient(api_secret_key=SECRET_KEY, api_url=f"{SANDBOX_URL}/v1", timeout=5.0)


def enroll_email_camel(client, user_id, email):
    # The SDK sends attributes as given; Authsignal's wire format is camelCase.
    return client.enroll_verified_authenticator(user_id, {"verificationMethod": "EMAIL_OTP", "email": email})


def test_get_user_unknown_is_not_enrolled(client):
    assert client.get_user(unique_user_id("py-unknown")) == {"is_enrolled": False}


def test_update_user_then_get_user(client):
    user_id = unique_user_id("py-update")
    updated = client.update_user(user_id, {"email": "jane@example.com", "displayName": "Jane"})
    assert updated["user_id"] == user_id
    assert updated["email"] == "jane@example.com"
    user = client.get_user(user_id)
    assert user["is_enrolled"] is False
    assert user["display_name"] == "Jane"
    with pytest.raises(ApiException) as error:
        client.update_user(user_id, {"email": "not-an-email"})
    assert (error.value.status_code, error.value.error_code) == (400, "invalid_request")


def test_enroll_get_and_delete_authenticators(client):
    user_id = unique_user_id("py-enroll")
    enrolled = enroll_email_camel(client, user_id, "py-enroll@example.com")
    authenticator = enrolled["authenticator"]
    assert authenticator["verification_method"] == "EMAIL_OTP"
    assert authenticator["email"] == "py-enroll@example.com"
    assert authenticator["user_id"] == user_id

    sms = client.enroll_verified_authenticator(user_id, {"verificationMethod": "SMS", "phoneNumber": "+64215550123"})
    assert sms["authenticator"]["phone_number"] == "+64215550123"

    with pytest.raises(ApiException) as error:
        client.enroll_verified_authenticator(user_id, {"verificationMethod": "SMS", "phoneNumber": "021 555"})
    assert (error.value.status_code, error.value.error_code) == (400, "invalid_request")
    assert error.value.error_description

    with pytest.raises(ApiException) as error:
        client.enroll_verified_authenticator(user_id, {"verificationMethod": "AUTHENTICATOR_APP"})
    assert error.value.status_code == 400

    listed = client.get_authenticators(user_id)
    assert [a["verification_method"] for a in listed] == ["EMAIL_OTP", "SMS"]
    user = client.get_user(user_id)
    assert user["is_enrolled"] is True
    assert user["enrolled_verification_methods"] == ["EMAIL_OTP", "SMS"]

    with pytest.raises(ApiException) as error:
        client.delete_authenticator(unique_user_id("py-stranger"), authenticator["user_authenticator_id"])
    assert (error.value.status_code, error.value.error_code) == (404, "not_found")

    client.delete_authenticator(user_id, sms["authenticator"]["user_authenticator_id"])
    assert len(client.get_authenticators(user_id)) == 1


def test_track_allow_then_challenge_required_and_idempotent(client):
    user_id = unique_user_id("py-track")
    first = client.track(user_id, "signIn", {"redirectUrl": "https://app.example/back"})
    assert first["state"] == "ALLOW"
    assert first["is_enrolled"] is False
    assert first["url"].startswith(f"{SANDBOX_URL}/ui?token=")

    enroll_email_camel(client, user_id, "py-track@example.com")
    second = client.track(user_id, "signIn", {"idempotencyKey": "py-key-1"})
    assert second["state"] == "CHALLENGE_REQUIRED"
    assert second["idempotency_key"] == "py-key-1"
    assert client.track(user_id, "signIn", {"idempotencyKey": "py-key-1"})["token"] == second["token"]

    with pytest.raises(ApiException) as error:
        client.track(user_id, "bad action!")
    assert error.value.status_code == 400


def test_get_and_update_action(client):
    user_id = unique_user_id("py-action")
    enroll_email_camel(client, user_id, "py-action@example.com")
    key = client.track(user_id, "checkout")["idempotency_key"]
    action = client.get_action(user_id, "checkout", key)
    assert action["state"] == "CHALLENGE_REQUIRED"
    assert action["created_at"] and action["state_updated_at"]
    assert client.update_action(user_id, "checkout", key, {"state": "REVIEW_REQUIRED"}) == {"state": "REVIEW_REQUIRED"}
    assert client.get_action(user_id, "checkout", key)["state"] == "REVIEW_REQUIRED"
    with pytest.raises(ApiException) as error:
        client.get_action(user_id, "checkout", "missing")
    assert error.value.status_code == 404


def test_validate_challenge_pending_then_completed_in_the_ui(client):
    user_id = unique_user_id("py-validate")
    email = f"{user_id}@example.com"
    enroll_email_camel(client, user_id, email)
    tracked = client.track(user_id, "signIn", {"redirectUrl": "https://app.example/callback"})

    pending = client.validate_challenge({"token": tracked["token"], "userId": user_id, "action": "signIn"})
    assert pending["is_valid"] is False
    assert pending["state"] == "CHALLENGE_REQUIRED"

    token = complete_email_challenge(tracked["url"], email)
    valid = client.validate_challenge({"token": token, "userId": user_id, "action": "signIn"})
    assert valid["is_valid"] is True
    assert valid["state"] == "CHALLENGE_SUCCEEDED"
    assert valid["action"] == "signIn"
    assert valid["user_id"] == user_id
    assert valid["verification_method"] == "EMAIL_OTP"

    assert client.validate_challenge({"token": token, "userId": "someone-else"}) == {
        "is_valid": False,
        "error": "User is invalid.",
    }
    assert client.validate_challenge({"token": token, "action": "transfer"})["error"] == "Action is invalid."
    assert client.validate_challenge({"token": token[:-2] + "xx"})["is_valid"] is False


def test_delete_user(client):
    user_id = unique_user_id("py-delete")
    enroll_email_camel(client, user_id, "py-delete@example.com")
    client.delete_user(user_id)
    assert client.get_user(user_id) == {"is_enrolled": False}


def test_wrong_secret_key_is_unauthorized():
    wrong = AuthsignalClient(api_secret_key="wrong", api_url=f"{SANDBOX_URL}/v1")
    with pytest.raises(ApiException) as error:
        wrong.get_user("anyone")
    assert error.value.status_code == 401
    assert error.value.error_code == "unauthorized"
    assert error.value.error_description == UNAUTHORIZED


def test_injected_faults_surface_as_sdk_errors(client):
    user_id = unique_user_id("py-faults")
    try:
        set_fault(route="getAuthenticators", status=503, times=1)
        with pytest.raises(ApiException) as error:
            client.get_authenticators(user_id)
        assert error.value.status_code == 503
        assert client.get_authenticators(user_id) == []
    finally:
        clear_faults()
