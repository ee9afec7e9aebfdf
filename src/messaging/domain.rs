//! Message text: parsed once, so a stored message is always valid.

use unicode_normalization::UnicodeNormalization;

pub const MAX_CHARS: usize = 4000;

/// A message as stored and shown: NFC-normalised, with line breaks as `\n`,
/// no other control characters, no blank runs of more than one empty line,
/// trimmed. It is plain text: clients render it as such, never as markup.
/// The limit of 4,000 characters applies to the text as sent, which is what
/// a client can count (normalising can lengthen a few scripts' text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub fn parse(raw: &str) -> Result<Self, String> {
        plain_text(raw, MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Text people write to each other (messages, reviews) as it is stored and
/// shown: NFC-normalised, line breaks as `\n`, no other control characters
/// but tabs, no blank runs of more than one empty line, trimmed, and not
/// empty. `max_chars` bounds the text as sent, which is what a client can
/// count (normalising can lengthen a few scripts' text).
pub fn plain_text(raw: &str, max_chars: usize) -> Result<String, String> {
    // Four bytes per character at most: a longer text is refused before counting.
    if raw.len() > max_chars * 4 || raw.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    if unified.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("must not contain control characters".to_owned());
    }
    let normalised: String = unified.nfc().collect();
    let mut text = String::with_capacity(normalised.len());
    let mut blank_lines = 0;
    for line in normalised.split('\n').map(str::trim_end) {
        blank_lines = if line.trim().is_empty() { blank_lines + 1 } else { 0 };
        if blank_lines > 1 {
            continue;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(line);
    }
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err("is required".to_owned());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised() {
        let body = MessageBody::parse("  Is it framed?\r\n\r\n\r\n\r\nCafe\u{301} delivery?  \n").unwrap();
        assert_eq!(body.as_str(), "Is it framed?\n\nCafé delivery?");
        assert_eq!(MessageBody::parse("a\tb").unwrap().as_str(), "a\tb");
    }

    #[test]
    fn empty_long_and_control_text_is_refused() {
        assert!(MessageBody::parse(" \n\t ").is_err());
        assert!(MessageBody::parse("bell\u{7}").is_err());
        assert!(MessageBody::parse("nul\0").is_err());
        assert!(MessageBody::parse(&"é".repeat(MAX_CHARS)).is_ok());
        assert!(MessageBody::parse(&"é".repeat(MAX_CHARS + 1)).is_err());
        assert!(MessageBody::parse(&"x".repeat(MAX_CHARS * 4 + 1)).is_err());
    }
}
