//! What Authsignal's rules get to know about the request: device id, user agent, client IP.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderValue;
use axum::http::{header, HeaderMap};
use axum::response::Response;

/// The Web SDK's device-id cookie name, so both sides agree on one id per browser.
pub const DEVICE_ID_COOKIE: &str = "__as_aid";
/// Two years: the device id is meant to outlive sessions.
const DEVICE_ID_MAX_AGE_SECS: u64 = 2 * 365 * 24 * 60 * 60;

#[derive(Clone, Debug)]
pub struct RequestContext {
    pub device_id: String,
    /// A `Set-Cookie` value to send when the browser had no device id yet.
    pub new_device_cookie: Option<String>,
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
}

impl RequestContext {
    pub fn from_parts(
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
        trusted_proxies: &[IpAddr],
        secure_cookie: bool,
    ) -> RequestContext {
        let existing = cookie_value(headers, DEVICE_ID_COOKIE)
            .filter(|v| is_device_id(v))
            .map(str::to_string);
        let (device_id, new_device_cookie) = match existing {
            Some(id) => (id, None),
            None => {
                let id = new_device_id();
                let secure = if secure_cookie { "; Secure" } else { "" };
                let cookie = format!("{DEVICE_ID_COOKIE}={id}; Path=/; Max-Age={DEVICE_ID_MAX_AGE_SECS}; HttpOnly; SameSite=Lax{secure}");
                (id, Some(cookie))
            }
        };
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect());
        RequestContext {
            device_id,
            new_device_cookie,
            user_agent,
            ip_address: client_ip(headers, peer, trusted_proxies).map(|ip| ip.to_string()),
        }
    }
}

impl RequestContext {
    /// The context of a request to a form route, with the settings' proxies and cookie rules.
    pub fn of_request(
        headers: &HeaderMap,
        peer: SocketAddr,
        settings: &crate::server::config::Settings,
    ) -> RequestContext {
        RequestContext::from_parts(
            headers,
            Some(peer),
            &settings.trusted_proxies,
            settings.cookies_secure(),
        )
    }

    /// The context of the request a server function is handling. A browser without a device
    /// id gets the cookie on the server function's response.
    pub async fn of_server_fn(
        settings: &crate::server::config::Settings,
    ) -> Result<RequestContext, crate::model::AppError> {
        let headers = leptos_axum::extract::<HeaderMap>()
            .await
            .map_err(|_| crate::model::AppError::Internal)?;
        let peer = leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>()
            .await
            .ok()
            .map(|c| c.0);
        let context = RequestContext::from_parts(
            &headers,
            peer,
            &settings.trusted_proxies,
            settings.cookies_secure(),
        );
        if let (Some(options), Some(cookie)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            context.device_cookie(),
        ) {
            options.append_header(header::SET_COOKIE, cookie);
        }
        Ok(context)
    }

    /// The device-id `Set-Cookie` value, when the browser had none yet.
    pub fn device_cookie(&self) -> Option<axum::http::HeaderValue> {
        let cookie = self.new_device_cookie.as_deref()?;
        axum::http::HeaderValue::from_str(cookie).ok()
    }
}

/// The peer address; behind a trusted proxy, the right-most untrusted `X-Forwarded-For` hop.
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trusted_proxies: &[IpAddr],
) -> Option<IpAddr> {
    let peer_ip = peer.map(|p| p.ip())?;
    if !trusted_proxies.contains(&peer_ip) {
        return Some(peer_ip);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted_proxies.contains(ip))
        .or(Some(peer_ip))
}

/// The value of the cookie `name`, in any `Cookie` header.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Only ids we could have issued are accepted back (bounded, URL-safe).
fn is_device_id(value: &str) -> bool {
    (16..=64).contains(&value.len()) && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn new_device_id() -> String {
    let hex = crate::server::ids::random_hex();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Adds the device-id cookie this request's context made, if it made one.
pub fn with_device_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(value) = cookie {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Where a sign-in or change came from, in words.
#[derive(Clone, Debug)]
pub struct Origin {
    /// "Chrome on macOS".
    pub browser: String,
    /// "203.0.113.x".
    pub network: String,
}

/// "Chrome on macOS", from a user agent.
pub fn browser_words(user_agent: &str) -> String {
    let parsed = woothee::parser::Parser::new().parse(user_agent);
    let known = |s: &str| !s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN;
    match parsed {
        Some(r) if known(r.name) && known(r.os) => {
            let os = if r.os == "Mac OSX" { "macOS" } else { r.os };
            format!("{} on {os}", r.name)
        }
        Some(r) if known(r.name) => r.name.to_string(),
        _ => "An unknown browser".to_string(),
    }
}

/// The client address, coarsely: "203.0.113.x", or an IPv6 address's first three groups.
pub fn network_words(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.x")
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:…", s[0], s[1], s[2])
        }
        Err(_) => "an unknown network".to_string(),
    }
}

/// Where a request came from, in words (for receipts).
pub fn origin_of(context: &RequestContext) -> Origin {
    Origin {
        browser: browser_words(context.user_agent.as_deref().unwrap_or("")),
        network: network_words(context.ip_address.as_deref().unwrap_or("")),
    }
}

#[cfg(test)]
mod tests {
    use crate::server::web::request_context::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        let peer: SocketAddr = "198.51.100.7:5000".parse().unwrap();
        assert_eq!(
            client_ip(&h, Some(peer), &[]).unwrap().to_string(),
            "198.51.100.7"
        );
        let proxy: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(
            client_ip(&h, Some(peer), &[proxy]).unwrap().to_string(),
            "203.0.113.9"
        );
    }

    #[test]
    fn a_spoofed_left_most_hop_is_not_believed() {
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let peer: SocketAddr = "10.0.0.2:1".parse().unwrap();
        assert_eq!(
            client_ip(&h, Some(peer), &[proxy]).unwrap().to_string(),
            "203.0.113.9"
        );
    }

    #[test]
    fn the_device_cookie_is_reused_or_issued() {
        let h = headers(&[("cookie", "a=b; __as_aid=0123456789abcdef-aa")]);
        let ctx = RequestContext::from_parts(&h, None, &[], false);
        assert_eq!(ctx.device_id, "0123456789abcdef-aa");
        assert!(ctx.new_device_cookie.is_none());

        let ctx = RequestContext::from_parts(
            &headers(&[("cookie", "__as_aid=<script>")]),
            None,
            &[],
            true,
        );
        let cookie = ctx.new_device_cookie.unwrap();
        assert!(cookie.starts_with(&format!("__as_aid={}", ctx.device_id)));
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("Secure")
                && cookie.contains("SameSite=Lax")
        );
    }

    #[test]
    fn browsers_and_networks_read_as_words() {
        let chrome_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(browser_words(chrome_mac), "Chrome on macOS");
        assert_eq!(browser_words(""), "An unknown browser");
        assert_eq!(network_words("203.0.113.77"), "203.0.113.x");
        assert_eq!(
            network_words("2001:db8:85a3::8a2e:370:7334"),
            "2001:db8:85a3:…"
        );
        assert_eq!(network_words(""), "an unknown network");
    }
}
