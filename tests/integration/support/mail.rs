//! A real SMTP server process for the tests: `tests/mail/smtpd.py` (aiosmtpd, installed by
//! `scripts/test.sh` into `tests/mail/.venv`) writes each message it receives as JSON.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::free_port;

pub struct MailServer {
    pub port: u16,
    dir: tempfile::TempDir,
    _child: tokio::process::Child,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub received_at: u128,
}

impl ReceivedMail {
    /// The first link in the text that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .unwrap_or_else(|| panic!("no link {prefix} in {}", self.text))
            .to_string()
    }
}

fn python() -> PathBuf {
    if let Ok(python) = std::env::var("STOREFRONT_TEST_PYTHON") {
        return python.into();
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mail/.venv/bin/python");
    assert!(
        venv.exists(),
        "no {} — run scripts/test.sh (it installs aiosmtpd there)",
        venv.display()
    );
    venv
}

impl MailServer {
    pub async fn start() -> MailServer {
        MailServer::start_on(free_port()).await
    }

    pub async fn start_on(port: u16) -> MailServer {
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mail/smtpd.py");
        let mut child = tokio::process::Command::new(python())
            .arg(script)
            .arg("127.0.0.1")
            .arg(port.to_string())
            .arg(dir.path())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP server");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await;
        assert!(
            matches!(&ready, Ok(Ok(Some(line))) if line == "ready"),
            "the SMTP server did not start: {ready:?}"
        );
        MailServer {
            port,
            dir,
            _child: child,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let mut mail: Vec<ReceivedMail> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
            .collect();
        mail.sort_by_key(|m| m.received_at);
        mail
    }

    /// Messages to `to` whose subject contains `subject`.
    pub fn to(&self, to: &str, subject: &str) -> Vec<ReceivedMail> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject))
            .collect()
    }

    /// Waits (up to 20 s) for a message to `to` whose subject contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> ReceivedMail {
        for _ in 0..200 {
            if let Some(mail) = self.to(to, subject).pop() {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no mail to {to} about {subject:?}; received: {:#?}",
            self.received()
        );
    }
}
