//! The QR code an authenticator app scans, drawn on the server as an SVG data URI for an
//! `<img>` (no JavaScript, and the page's CSP already allows `data:` images).

use base64::Engine;
use qrcode::render::svg;
use qrcode::QrCode;

/// A `data:image/svg+xml` URI of `data`'s QR code; empty if it can't be encoded (the page still
/// shows the secret to type in).
pub fn data_uri(data: &str) -> String {
    let Ok(code) = QrCode::new(data.as_bytes()) else {
        return String::new();
    };
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let encoded = base64::engine::general_purpose::STANDARD.encode(svg);
    format!("data:image/svg+xml;base64,{encoded}")
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    #[test]
    fn draws_an_svg_data_uri() {
        let uri = super::data_uri("otpauth://totp/Shop:ada%40example.com?secret=JBSWY3DPEHPK3PXP");
        let b64 = uri.strip_prefix("data:image/svg+xml;base64,").unwrap();
        let svg = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    }
}
