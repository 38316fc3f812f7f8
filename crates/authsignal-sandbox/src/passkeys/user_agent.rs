//! `parsedUserAgent`: the browser, engine, OS, device and CPU a passkey was created
//! with, read from the User-Agent header in the shape ua-parser-js gives Authsignal.
//! Covers the browsers and systems people actually use; anything else stays unnamed.

use serde::{Deserialize, Serialize};

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

/// The version after `token` (`Chrome/120.0.1` → `120.0.1`).
fn version_after(ua: &str, token: &str) -> Option<String> {
    let start = ua.find(token)? + token.len();
    let version: String = ua[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
        .collect();
    (!version.is_empty()).then(|| version.replace('_', "."))
}

fn named(name: &str, version: Option<String>) -> NameVersion {
    NameVersion {
        name: Some(name.to_owned()),
        version,
    }
}

fn browser(ua: &str) -> Browser {
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    const BROWSERS: [(&str, &str); 8] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("HeadlessChrome/", "Chrome Headless"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
    ];
    let found = BROWSERS
        .iter()
        .find_map(|(token, name)| version_after(ua, token).map(|v| (*name, v)))
        .or_else(|| {
            ua.contains("Safari/")
                .then(|| version_after(ua, "Version/"))
                .flatten()
                .map(|v| (if ua.contains("Mobile/") { "Mobile Safari" } else { "Safari" }, v))
        });
    match found {
        Some((name, version)) => Browser {
            name: Some(name.to_owned()),
            major: version.split('.').next().map(str::to_owned),
            version: Some(version),
        },
        None => Browser::default(),
    }
}

fn engine(ua: &str, browser: &Browser) -> NameVersion {
    if ua.contains("Gecko/") && ua.contains("Firefox/") {
        named("Gecko", version_after(ua, "rv:"))
    } else if ua.contains("iPhone") || ua.contains("iPad") || browser.name.as_deref().is_some_and(|n| n.ends_with("Safari")) {
        named("WebKit", version_after(ua, "AppleWebKit/"))
    } else if ua.contains("Chrome/") {
        // Blink's version is Chrome's.
        named("Blink", version_after(ua, "Chrome/"))
    } else {
        NameVersion::default()
    }
}

fn os(ua: &str) -> NameVersion {
    if let Some(version) = version_after(ua, "Windows NT ") {
        let name = match version.as_str() {
            "10.0" => "10",
            "6.3" => "8.1",
            "6.2" => "8",
            "6.1" => "7",
            other => other,
        };
        named("Windows", Some(name.to_owned()))
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        named("iOS", version_after(ua, " OS "))
    } else if ua.contains("Android") {
        named("Android", version_after(ua, "Android "))
    } else if ua.contains("Mac OS X") {
        named("macOS", version_after(ua, "Mac OS X "))
    } else if ua.contains("CrOS") {
        named("Chrome OS", None)
    } else if ua.contains("Linux") {
        named("Linux", None)
    } else {
        NameVersion::default()
    }
}

fn device(ua: &str) -> Device {
    let apple = |model: &str, kind: Option<&str>| Device {
        model: Some(model.to_owned()),
        device_type: kind.map(str::to_owned),
        vendor: Some("Apple".to_owned()),
    };
    if ua.contains("iPhone") {
        apple("iPhone", Some("mobile"))
    } else if ua.contains("iPad") {
        apple("iPad", Some("tablet"))
    } else if ua.contains("Macintosh") {
        apple("Macintosh", None)
    } else if ua.contains("Android") {
        Device {
            device_type: Some(if ua.contains("Mobile") { "mobile" } else { "tablet" }.to_owned()),
            ..Device::default()
        }
    } else {
        Device::default()
    }
}

fn cpu(ua: &str) -> Cpu {
    let architecture = if ["x86_64", "x64", "Win64", "WOW64", "amd64"].iter().any(|t| ua.contains(t)) {
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
    let browser = browser(ua);
    ParsedUserAgent {
        ua: ua.to_owned(),
        engine: engine(ua, &browser),
        os: os(ua),
        device: device(ua),
        cpu: cpu(ua),
        browser,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.33 Safari/537.36";
    const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    const FIREFOX_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
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
    fn an_unknown_agent_is_kept_but_not_named() {
        let parsed = parse("curl/8.5.0");
        assert_eq!(parsed.summary(), None);
        assert_eq!(parsed.ua, "curl/8.5.0");
    }
}
