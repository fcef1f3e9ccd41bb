//! Identifier conversions: model names to Rust names.

/// Rust keywords that cannot be used as plain field names.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// `MFAOptions` -> `mfa_options`, `S3Bucket` -> `s3_bucket`, `reasonCode` -> `reason_code`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == '-' || c == '_' || c == ' ' || c == '.' || c == ':' || c == '/' {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars.get(i - 1).copied().unwrap_or('_');
            let next = chars.get(i + 1).copied();
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A field identifier: snake case, raw identifier for keywords.
pub fn field_ident(name: &str) -> String {
    let s = snake_case(name);
    if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// An enum value to a variant name: `USER_SRP_AUTH` -> `UserSrpAuth`, `phone_number` ->
/// `PhoneNumber`, `InProgress` -> `InProgress`, `en-US` -> `EnUs`.
pub fn variant_ident(value: &str) -> String {
    let snake = snake_case(value);
    let mut out = String::new();
    for part in snake.split('_').filter(|p| !p.is_empty()) {
        let mut cs = part.chars();
        if let Some(first) = cs.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake_case("MFAOptions"), "mfa_options");
        assert_eq!(snake_case("SMSMfaSettings"), "sms_mfa_settings");
        assert_eq!(snake_case("S3Bucket"), "s3_bucket");
        assert_eq!(snake_case("reasonCode"), "reason_code");
        assert_eq!(snake_case("AccessToken"), "access_token");
        assert_eq!(field_ident("Type"), "r#type");
        assert_eq!(variant_ident("USER_SRP_AUTH"), "UserSrpAuth");
        assert_eq!(variant_ident("phone_number"), "PhoneNumber");
        assert_eq!(variant_ident("InProgress"), "InProgress");
        assert_eq!(variant_ident("en-US"), "EnUs");
        assert_eq!(variant_ident("Level1"), "Level1");
    }
}
