//! What track answers, per action code, as Authsignal's action configuration decides it: a
//! default outcome (`ALLOW`, `CHALLENGE`, `BLOCK`, `REVIEW`) and the one rule the sandbox
//! knows, "challenge when the user is enrolled". Set by `SandboxConfig::actions` (the
//! binary's `--actions-config` file) and, with test hooks, per code at runtime.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::domain::{is_valid_action_code, ALLOW, BLOCK, CHALLENGE_REQUIRED, REVIEW_REQUIRED};

/// An action's default outcome, as Authsignal's portal names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Allow,
    Challenge,
    Block,
    Review,
}

/// How one action code is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionRule {
    pub default_outcome: Outcome,
    /// A rule: `CHALLENGE_REQUIRED` when the user has an authenticator, whatever the
    /// default outcome says.
    #[serde(default)]
    pub challenge_when_enrolled: bool,
}

impl ActionRule {
    /// `ALLOW` plus the enrolled rule: what the sandbox always did, and what every action
    /// code the storefront tracks (`signIn`, `enroll`, `manage`, `removeAuthenticator`) gets.
    pub const CHALLENGE_ENROLLED: ActionRule = ActionRule {
        default_outcome: Outcome::Allow,
        challenge_when_enrolled: true,
    };

    /// Track's `state`. A user with nothing enrolled can't be challenged, so `CHALLENGE`
    /// answers `ALLOW` for them, as Authsignal does.
    pub(crate) fn state(self, enrolled: bool) -> &'static str {
        if enrolled && self.challenge_when_enrolled {
            return CHALLENGE_REQUIRED;
        }
        match self.default_outcome {
            Outcome::Allow => ALLOW,
            Outcome::Challenge if enrolled => CHALLENGE_REQUIRED,
            Outcome::Challenge => ALLOW,
            Outcome::Block => BLOCK,
            Outcome::Review => REVIEW_REQUIRED,
        }
    }
}

/// Every action code's rule; codes not listed get `default`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionsConfig {
    /// For action codes not in `actions`.
    #[serde(default = "default_rule")]
    pub default: ActionRule,
    #[serde(default)]
    pub actions: BTreeMap<String, ActionRule>,
}

fn default_rule() -> ActionRule {
    ActionRule::CHALLENGE_ENROLLED
}

impl Default for ActionsConfig {
    fn default() -> Self {
        ActionsConfig {
            default: default_rule(),
            actions: BTreeMap::new(),
        }
    }
}

impl ActionsConfig {
    /// Reads a JSON file such as
    /// `{"default": {"defaultOutcome": "ALLOW", "challengeWhenEnrolled": true},
    ///   "actions": {"payout": {"defaultOutcome": "REVIEW"}}}`; the error is one line.
    pub fn from_file(path: &Path) -> Result<ActionsConfig, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read actions config {}: {e}", path.display()))?;
        ActionsConfig::from_json(&text)
            .map_err(|e| format!("actions config {}: {e}", path.display()))
    }

    pub fn from_json(text: &str) -> Result<ActionsConfig, String> {
        let config: ActionsConfig = serde_json::from_str(text).map_err(|e| e.to_string())?;
        config.check()?;
        Ok(config)
    }

    /// Every configured code must be one track would accept.
    pub(crate) fn check(&self) -> Result<(), String> {
        match self.actions.keys().find(|code| !is_valid_action_code(code)) {
            Some(code) => Err(format!(
                "{code:?} is not an action code (^[a-zA-Z0-9_-]{{1,64}}$)"
            )),
            None => Ok(()),
        }
    }
}

/// The configured rules plus the test hook's overrides.
pub(crate) struct Outcomes {
    configured: ActionsConfig,
    overrides: Mutex<BTreeMap<String, ActionRule>>,
}

impl Outcomes {
    pub(crate) fn new(configured: ActionsConfig) -> Self {
        Outcomes {
            configured,
            overrides: Mutex::new(BTreeMap::new()),
        }
    }

    pub(crate) fn rule_for(&self, action_code: &str) -> ActionRule {
        let overridden = self.lock().get(action_code).copied();
        overridden
            .or_else(|| self.configured.actions.get(action_code).copied())
            .unwrap_or(self.configured.default)
    }

    pub(crate) fn set(&self, action_code: &str, rule: ActionRule) {
        self.lock().insert(action_code.to_owned(), rule);
    }

    /// Back to the configured rule.
    pub(crate) fn reset(&self, action_code: &str) {
        self.lock().remove(action_code);
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, ActionRule>> {
        self.overrides
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(default_outcome: Outcome, challenge_when_enrolled: bool) -> ActionRule {
        ActionRule {
            default_outcome,
            challenge_when_enrolled,
        }
    }

    #[test]
    fn the_default_keeps_challenging_enrolled_users_for_the_storefronts_actions() {
        let outcomes = Outcomes::new(ActionsConfig::default());
        for code in ["signIn", "enroll", "manage", "removeAuthenticator", "other"] {
            let rule = outcomes.rule_for(code);
            assert_eq!(rule.state(true), CHALLENGE_REQUIRED, "{code}");
            assert_eq!(rule.state(false), ALLOW, "{code}");
        }
    }

    #[test]
    fn each_outcome_gives_its_state() {
        for (outcome, enrolled, unenrolled) in [
            (Outcome::Allow, ALLOW, ALLOW),
            (Outcome::Challenge, CHALLENGE_REQUIRED, ALLOW),
            (Outcome::Block, BLOCK, BLOCK),
            (Outcome::Review, REVIEW_REQUIRED, REVIEW_REQUIRED),
        ] {
            assert_eq!(rule(outcome, false).state(true), enrolled, "{outcome:?}");
            assert_eq!(rule(outcome, false).state(false), unenrolled, "{outcome:?}");
            assert_eq!(rule(outcome, true).state(true), CHALLENGE_REQUIRED);
            assert_eq!(rule(outcome, true).state(false), unenrolled);
        }
    }

    #[test]
    fn overrides_win_until_reset() {
        let config = ActionsConfig::from_json(
            r#"{"default": {"defaultOutcome": "BLOCK"}, "actions": {"payout": {"defaultOutcome": "REVIEW", "challengeWhenEnrolled": true}}}"#,
        )
        .expect("valid");
        let outcomes = Outcomes::new(config);
        assert_eq!(outcomes.rule_for("payout"), rule(Outcome::Review, true));
        assert_eq!(outcomes.rule_for("signIn"), rule(Outcome::Block, false));
        outcomes.set("payout", rule(Outcome::Allow, false));
        assert_eq!(outcomes.rule_for("payout"), rule(Outcome::Allow, false));
        outcomes.reset("payout");
        assert_eq!(outcomes.rule_for("payout"), rule(Outcome::Review, true));
    }

    #[test]
    fn bad_configuration_is_refused_with_a_reason() {
        for (text, said) in [
            (
                r#"{"actions": {"sign in": {"defaultOutcome": "ALLOW"}}}"#,
                "\"sign in\" is not an action code",
            ),
            (
                r#"{"actions": {"signIn": {"defaultOutcome": "MAYBE"}}}"#,
                "unknown variant `MAYBE`",
            ),
            (
                r#"{"actions": {"signIn": {"outcome": "ALLOW"}}}"#,
                "unknown field `outcome`",
            ),
            ("{", "EOF"),
        ] {
            let error = ActionsConfig::from_json(text).expect_err(text);
            assert!(error.contains(said), "{said:?} in {error}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
        assert_eq!(ActionsConfig::from_json("{}"), Ok(ActionsConfig::default()));
    }
}
