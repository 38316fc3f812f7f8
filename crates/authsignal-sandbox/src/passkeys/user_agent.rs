//! `parsedUserAgent`: the browser, engine, OS, device and CPU a passkey was created
//! with, read from the User-Agent header in the shape ua-parser-js gives Authsignal.
//! woothee finds the browser, OS and device; its names are put in ua-parser-js's words.

use serde::{Deserialize, Serialize};
use woothee::parser::{Parser, WootheeResult};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ParsedUserAgent {
    pub ua: String,
    pub browser: Browser,
    pub device: Device,
    pub engine: NameVersion,
    pub os: NameVersion,
    pub cpu: Cpu,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Browser {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub major: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Device {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NameVersion {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cpu {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
}

impl ParsedUserAgent {
    /// "Chrome on Windows", the name a new passkey gets.
    pub(crate) fn summary(&self) -> Option<String> {
        match (&self.browser.name, &self.os.name) {
            (Some(browser), Some(os)) => Some(format!("{browser} on {os}")),
            (Some(only), None) | (None, Some(only)) => Some(only.clone()),
            (None, None) => None,
        }
    }
}

/// woothee's word for "it couldn't tell".
const UNKNOWN: &str = "UNKNOWN";

fn known(value: &str) -> Option<String> {
    (!value.is_empty() && !value.contains(UNKNOWN)).then(|| value.to_owned())
}

fn named(name: &str, version: Option<String>) -> NameVersion {
    NameVersion {
        name: Some(name.to_owned()),
        version,
    }
}

fn is_ios(found: &WootheeResult) -> bool {
    matches!(found.os, "iPhone" | "iPad" | "iPod")
}

/// Browsers only: HTTP libraries and crawlers stay unnamed.
fn browser(ua: &str, found: &WootheeResult) -> Browser {
    if found.browser_type != "browser" {
        return Browser::default();
    }
    let name = match found.name {
        "Safari" if is_ios(found) => "Mobile Safari",
        "SamsungBrowser" => "Samsung Internet",
        // woothee folds headless Chrome into Chrome; ua-parser-js (and so Authsignal) doesn't.
        "Chrome" if ua.contains("HeadlessChrome/") => "Chrome Headless",
        other => other,
    };
    let version = known(found.version);
    Browser {
        name: known(name),
        major: version
            .as_deref()
            .and_then(|v| v.split('.').next())
            .map(str::to_owned),
        version,
    }
}

fn os(found: &WootheeResult) -> NameVersion {
    // "Windows 10", "Windows 8.1", "Windows Vista": the release is the version.
    let windows_release = found.os.strip_prefix("Windows ");
    if let Some(release) = windows_release.filter(|r| !r.starts_with("Phone")) {
        return named("Windows", known(release));
    }
    let version = known(&found.os_version);
    match found.os {
        "Mac OSX" => named("macOS", version),
        "iPhone" | "iPad" | "iPod" => named("iOS", version),
        "Android" => named("Android", version),
        "Windows Phone OS" => named("Windows Phone", version),
        "ChromeOS" => named("Chrome OS", None),
        // Other systems' os_version is often not a version (woothee puts "amd64" there for BSD).
        other => known(other).map_or_else(NameVersion::default, |name| named(&name, None)),
    }
}

fn device(ua: &str, found: &WootheeResult) -> Device {
    let apple = |model: &str, kind: Option<&str>| Device {
        model: Some(model.to_owned()),
        device_type: kind.map(str::to_owned),
        vendor: Some("Apple".to_owned()),
    };
    let kind = |kind: &str| Device {
        device_type: Some(kind.to_owned()),
        ..Device::default()
    };
    match (found.os, found.category) {
        ("iPhone", _) => apple("iPhone", Some("mobile")),
        ("iPad", _) => apple("iPad", Some("tablet")),
        ("iPod", _) => apple("iPod", Some("mobile")),
        ("Mac OSX", _) => apple("Macintosh", None),
        // woothee calls every Android device a smartphone; "Mobile" is what tells phones from
        // tablets (Google's advice to Android browsers).
        ("Android", _) if ua.contains("Mobile") => kind("mobile"),
        ("Android", _) => kind("tablet"),
        (_, "smartphone" | "mobilephone") => kind("mobile"),
        _ => Device::default(),
    }
}

/// The version after `token` (`AppleWebKit/605.1.15` → `605.1.15`).
fn version_after(ua: &str, token: &str) -> Option<String> {
    let start = ua.find(token)? + token.len();
    let version: String = ua[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
        .collect();
    (!version.is_empty()).then(|| version.replace('_', "."))
}

/// Kept by hand: woothee reports no engine, and ua-parser-js's follows from the browser
/// (every iOS browser is WebKit) with its version in the engine's own token.
fn engine(ua: &str, browser: &Browser, os: &NameVersion) -> NameVersion {
    let browser_name = browser.name.as_deref().unwrap_or_default();
    if ua.contains("Gecko/") && browser_name == "Firefox" {
        named("Gecko", version_after(ua, "rv:"))
    } else if os.name.as_deref() == Some("iOS") || browser_name.ends_with("Safari") {
        named("WebKit", version_after(ua, "AppleWebKit/"))
    } else if ua.contains("Chrome/") {
        // Blink's version is Chrome's.
        named("Blink", version_after(ua, "Chrome/"))
    } else {
        NameVersion::default()
    }
}

/// Kept by hand: woothee reports no CPU; these are the tokens browsers put in the agent.
fn cpu(ua: &str) -> Cpu {
    let architecture = if ["x86_64", "x64", "Win64", "WOW64", "amd64"]
        .iter()
        .any(|t| ua.contains(t))
    {
        Some("amd64")
    } else if ["aarch64", "arm64", "ARM64"].iter().any(|t| ua.contains(t)) {
        Some("arm64")
    } else {
        None
    };
    Cpu {
        architecture: architecture.map(str::to_owned),
    }
}

pub(crate) fn parse(ua: &str) -> ParsedUserAgent {
    let Some(found) = Parser::new().parse(ua) else {
        return ParsedUserAgent {
            ua: ua.to_owned(),
            cpu: cpu(ua),
            ..ParsedUserAgent::default()
        };
    };
    let browser = browser(ua, &found);
    let os = os(&found);
    ParsedUserAgent {
        ua: ua.to_owned(),
        engine: engine(ua, &browser, &os),
        device: device(ua, &found),
        cpu: cpu(ua),
        browser,
        os,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.33 Safari/537.36";
    const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    const FIREFOX_LINUX: &str =
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    const EDGE_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.51";

    #[test]
    fn chrome_on_windows() {
        let parsed = parse(CHROME_WINDOWS);
        assert_eq!(parsed.browser.name.as_deref(), Some("Chrome"));
        assert_eq!(parsed.browser.version.as_deref(), Some("131.0.6778.33"));
        assert_eq!(parsed.browser.major.as_deref(), Some("131"));
        assert_eq!(parsed.engine.name.as_deref(), Some("Blink"));
        assert_eq!(parsed.os, named("Windows", Some("10".into())));
        assert_eq!(parsed.cpu.architecture.as_deref(), Some("amd64"));
        assert_eq!(parsed.summary().as_deref(), Some("Chrome on Windows"));
        assert_eq!(parsed.ua, CHROME_WINDOWS);
    }

    #[test]
    fn safari_on_an_iphone() {
        let parsed = parse(SAFARI_IPHONE);
        assert_eq!(parsed.browser.name.as_deref(), Some("Mobile Safari"));
        assert_eq!(parsed.os, named("iOS", Some("17.4".into())));
        assert_eq!(parsed.engine.name.as_deref(), Some("WebKit"));
        assert_eq!(parsed.device.model.as_deref(), Some("iPhone"));
        assert_eq!(parsed.device.device_type.as_deref(), Some("mobile"));
        assert_eq!(parsed.device.vendor.as_deref(), Some("Apple"));
    }

    #[test]
    fn firefox_on_linux_and_edge_on_a_mac() {
        let firefox = parse(FIREFOX_LINUX);
        assert_eq!(firefox.summary().as_deref(), Some("Firefox on Linux"));
        assert_eq!(firefox.engine, named("Gecko", Some("128.0".into())));
        let edge = parse(EDGE_MAC);
        assert_eq!(edge.summary().as_deref(), Some("Edge on macOS"));
        assert_eq!(edge.os.version.as_deref(), Some("10.15.7"));
    }

    #[test]
    fn names_follow_ua_parser_js() {
        let samsung = parse("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36");
        assert_eq!(
            samsung.summary().as_deref(),
            Some("Samsung Internet on Android")
        );
        assert_eq!(samsung.device.device_type.as_deref(), Some("mobile"));
        let headless = parse("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.33 Safari/537.36");
        assert_eq!(
            headless.summary().as_deref(),
            Some("Chrome Headless on Linux")
        );
        let ipad = parse("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1");
        assert_eq!(ipad.summary().as_deref(), Some("Chrome on iOS"));
        assert_eq!(ipad.engine.name.as_deref(), Some("WebKit"));
        assert_eq!(ipad.device.device_type.as_deref(), Some("tablet"));
        let tablet = parse("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
        assert_eq!(tablet.device.device_type.as_deref(), Some("tablet"));
        let seven = parse(
            "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0",
        );
        assert_eq!(seven.os, named("Windows", Some("7".into())));
    }

    #[test]
    fn an_unknown_agent_is_kept_but_not_named() {
        let parsed = parse("curl/8.5.0");
        assert_eq!(parsed.summary(), None);
        assert_eq!(parsed.ua, "curl/8.5.0");
        assert_eq!(parse("node").summary(), None);
    }
}
