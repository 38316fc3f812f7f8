//! The QR code an authenticator app scans, as inline SVG.

use maud::{Markup, PreEscaped};
use qrcode::render::svg;
use qrcode::QrCode;

/// The SVG's opening tag with its accessible name. A constant with nothing to escape: the
/// rest of the SVG is qrcode's own markup, which maud can only take as it is.
const LABELLED_SVG: &str = r#"<svg role="img" aria-label="QR code for your authenticator app""#;

/// Inline `<svg>` for `data`, or nothing if it can't be encoded (the page still shows the
/// secret and URI to type in).
pub(crate) fn qr_svg(data: &str) -> Markup {
    let Ok(code) = QrCode::new(data.as_bytes()) else {
        return PreEscaped(String::new());
    };
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Drop the XML prolog so it can sit inside HTML, and give it an accessible name.
    let start = svg.find("<svg").unwrap_or(0);
    PreEscaped(svg[start..].replacen("<svg", LABELLED_SVG, 1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_an_inline_svg() {
        let svg = super::qr_svg("otpauth://totp/X:y?secret=ABC").into_string();
        assert!(
            svg.starts_with(r#"<svg role="img" aria-label="QR code for your authenticator app""#)
        );
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
