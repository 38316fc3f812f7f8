//! Email / SMS one-time codes: issuing and checking.

use rand::rngs::OsRng;
use rand::Rng;
use subtle::ConstantTimeEq;
use time::Duration;

/// How long an emailed or texted code stays usable.
pub(crate) const CODE_LIFETIME: Duration = Duration::minutes(10);
/// Wrong guesses allowed before a code is burnt and a new one is needed.
pub(crate) const MAX_FAILED_ATTEMPTS: i64 = 5;

/// A fresh 6-digit code from the OS CSPRNG.
pub(crate) fn generate_code() -> String {
    format!("{:06}", OsRng.gen_range(0..1_000_000u32))
}

/// What the sandbox knows about an issued code when someone submits a guess.
#[derive(Debug, Clone)]
pub(crate) struct IssuedCode<'a> {
    pub code: &'a str,
    pub failed_attempts: i64,
    pub expires_at_ms: i64,
    pub consumed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeCheck {
    Accepted,
    /// Wrong code; this many guesses are left before the code is burnt.
    Wrong {
        attempts_left: i64,
    },
    /// The code was burnt by too many wrong guesses (this one may have been the last).
    TooManyAttempts,
    Expired,
    AlreadyUsed,
}

/// Why a code can't take a guess at all, if it can't (no attempt is spent on these).
pub(crate) fn refusal(issued: &IssuedCode<'_>, now_ms: i64) -> Option<CodeCheck> {
    if issued.consumed {
        Some(CodeCheck::AlreadyUsed)
    } else if issued.failed_attempts >= MAX_FAILED_ATTEMPTS {
        Some(CodeCheck::TooManyAttempts)
    } else if now_ms >= issued.expires_at_ms {
        Some(CodeCheck::Expired)
    } else {
        None
    }
}

/// Decides the outcome of one guess, `failed_attempts` being the attempts spent before
/// it. The caller records it (attempt count, consumption).
pub(crate) fn check_code(issued: &IssuedCode<'_>, submitted: &str, now_ms: i64) -> CodeCheck {
    if let Some(refused) = refusal(issued, now_ms) {
        return refused;
    }
    if codes_match(issued.code, submitted) {
        return CodeCheck::Accepted;
    }
    let attempts_left = MAX_FAILED_ATTEMPTS - issued.failed_attempts - 1;
    if attempts_left <= 0 {
        CodeCheck::TooManyAttempts
    } else {
        CodeCheck::Wrong { attempts_left }
    }
}

/// Constant-time comparison that forgives the spaces people type in codes.
pub(crate) fn codes_match(issued: &str, submitted: &str) -> bool {
    let normalised: String = submitted
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    normalised.len() == issued.len() && bool::from(normalised.as_bytes().ct_eq(issued.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn issued(code: &str) -> IssuedCode<'_> {
        IssuedCode {
            code,
            failed_attempts: 0,
            expires_at_ms: 1_000,
            consumed: false,
        }
    }

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..200 {
            let code = generate_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn the_issued_code_is_accepted_with_spaces() {
        assert_eq!(
            check_code(&issued("123456"), "123 456", 0),
            CodeCheck::Accepted
        );
    }

    #[test]
    fn the_fifth_wrong_guess_burns_the_code() {
        let mut code = issued("123456");
        for expected_left in [4, 3, 2, 1] {
            assert_eq!(
                check_code(&code, "000000", 0),
                CodeCheck::Wrong {
                    attempts_left: expected_left
                }
            );
            code.failed_attempts += 1;
        }
        assert_eq!(check_code(&code, "000000", 0), CodeCheck::TooManyAttempts);
        code.failed_attempts += 1;
        assert_eq!(check_code(&code, "123456", 0), CodeCheck::TooManyAttempts);
    }

    #[test]
    fn expired_and_used_codes_are_refused() {
        assert_eq!(
            check_code(&issued("123456"), "123456", 1_000),
            CodeCheck::Expired
        );
        let used = IssuedCode {
            consumed: true,
            ..issued("123456")
        };
        assert_eq!(check_code(&used, "123456", 0), CodeCheck::AlreadyUsed);
    }

    proptest! {
        #[test]
        fn a_code_other_than_the_issued_one_never_verifies(issued_n in 0u32..1_000_000, guess in "\\PC{0,12}") {
            let issued_code = format!("{issued_n:06}");
            let normalised: String = guess.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
            prop_assume!(normalised != issued_code);
            prop_assert!(!codes_match(&issued_code, &guess));
            prop_assert_ne!(check_code(&issued(&issued_code), &guess, 0), CodeCheck::Accepted);
        }

        #[test]
        fn other_six_digit_codes_never_verify(issued_n in 0u32..1_000_000, guess_n in 0u32..1_000_000) {
            prop_assume!(issued_n != guess_n);
            let (issued_code, guess) = (format!("{issued_n:06}"), format!("{guess_n:06}"));
            prop_assert!(!codes_match(&issued_code, &guess));
        }
    }
}
