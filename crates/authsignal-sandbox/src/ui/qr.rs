//! The QR code an authenticator app scans, as inline SVG.

use qrcode::render::svg;
use qrcode::QrCode;

/// Inline `<svg>` for `data`, or an empty string if it can't be encoded (the page still
/// shows the secret and URI to type in).
pub(crate) fn qr_svg(data: &str, label: &str) -> String {
    let Ok(code) = QrCode::new(data.as_bytes()) else {
        return String::new();
    };
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Drop the XML prolog so it can sit inside HTML, and give it an accessible name.
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].replacen(
        "<svg",
        &format!(
            r#"<svg role="img" aria-label="{}""#,
            super::html::escape(label)
        ),
        1,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_an_inline_svg() {
        let svg = super::qr_svg("otpauth://totp/X:y?secret=ABC", "QR code");
        assert!(svg.starts_with(r#"<svg role="img" aria-label="QR code""#));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
