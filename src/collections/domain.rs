//! Collection values that can only hold valid data: titles, descriptions and
//! notes as stored, the two kinds and visibilities, and the limits.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use crate::catalog::domain::Slug;

/// The most collections one person keeps (editorial ones count towards the
/// moderator who started them).
pub const MAX_COLLECTIONS_PER_OWNER: i64 = 200;
/// The most works one collection holds.
pub const MAX_ITEMS: usize = 500;
pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_NOTE_CHARS: usize = 500;
/// Slugs are cut at this length (before a clash suffix is added).
pub const MAX_SLUG_CHARS: usize = 80;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "collection_kind", rename_all = "lowercase")]
pub enum CollectionKind {
    /// Someone's own collection.
    Personal,
    /// Made by the editors (moderators); on the home page once published.
    Editorial,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "collection_visibility", rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Private,
}

/// Normalised text within a character budget: NFC, line breaks as `\n`
/// where they are allowed (white space otherwise), no other control
/// characters, trimmed. The budget applies both to the text as sent, white
/// space included, which is what a client (and the document's `maxLength`)
/// counts, and to the text as stored (normalising can lengthen a few
/// scripts' text). Empty text is `None`.
fn normalised(raw: &str, max_chars: usize, multiline: bool) -> Result<Option<String>, String> {
    let too_long = || format!("must be at most {max_chars} characters");
    // Four bytes per character at most: longer text is refused before any
    // work proportional to its length.
    if raw.len() > max_chars * 4 || raw.chars().count() > max_chars {
        return Err(too_long());
    }
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    if unified.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("must not contain control characters".to_owned());
    }
    let composed: String = unified.nfc().collect();
    let text = if multiline {
        composed.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim().to_owned()
    } else {
        composed.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    if text.chars().count() > max_chars {
        return Err(too_long());
    }
    Ok((!text.is_empty()).then_some(text))
}

/// A collection's title: one line of 1–120 characters, runs of white space
/// made single spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub fn parse(raw: &str) -> Result<Self, String> {
        normalised(raw, MAX_TITLE_CHARS, false)?.map(Self).ok_or_else(|| "is required".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The slug an editorial collection with this title starts from, cut to
    /// the slug limit; a title with no letters or digits (all punctuation,
    /// say) gets a neutral one.
    pub fn slug(&self) -> Slug {
        // Any title is short enough for `from_text`; the slug it makes is then
        // cut to the slug limit.
        match Slug::from_text(&self.0, MAX_TITLE_CHARS) {
            // Slugs are ASCII, so any byte index is a character boundary.
            Ok(slug) => Slug::from_stored(
                slug.as_str()[..slug.as_str().len().min(MAX_SLUG_CHARS)].trim_end_matches('-').to_owned(),
            ),
            Err(_) => Slug::from_stored("collection".to_owned()),
        }
    }
}

/// Free text of up to `MAX` characters with line breaks: a collection's
/// description (2,000) or a note on one of its works (500). Empty is none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text<const MAX: usize>(String);

pub type Description = Text<MAX_DESCRIPTION_CHARS>;
pub type Note = Text<MAX_NOTE_CHARS>;

impl<const MAX: usize> Text<MAX> {
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        Ok(normalised(raw, MAX, true)?.map(Self))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A slug an editor chose for an editorial collection's page.
pub fn chosen_slug(raw: &str) -> Result<Slug, String> {
    let slug = Slug::parse(raw, MAX_SLUG_CHARS)?;
    if slug.as_str().len() < 3 {
        return Err("must be at least 3 characters".to_owned());
    }
    Ok(slug)
}

/// The candidates for a new slug, in order: the base, then the base with
/// `-2`, `-3`, … appended, cut short where need be to stay within the
/// length limit.
pub fn slug_candidate(base: &Slug, attempt: u32) -> String {
    if attempt <= 1 {
        return base.as_str().to_owned();
    }
    let suffix = format!("-{attempt}");
    // Slugs are ASCII, so any byte index is a character boundary.
    let stem = &base.as_str()[..base.as_str().len().min(MAX_SLUG_CHARS - suffix.len())];
    format!("{}{suffix}", stem.trim_end_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_one_normalised_line() {
        let title = Title::parse("  Quiet \n\t Harbours   of Cafe\u{301}  ").unwrap();
        assert_eq!(title.as_str(), "Quiet Harbours of Café");
        assert_eq!(title.slug().as_str(), "quiet-harbours-of-cafe");
        assert_eq!(Title::parse("!?! …").unwrap().slug().as_str(), "collection");
    }

    #[test]
    fn empty_long_and_control_titles_are_refused() {
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse("bell\u{7}").is_err());
        assert!(Title::parse(&"é".repeat(MAX_TITLE_CHARS)).is_ok());
        assert!(Title::parse(&"é".repeat(MAX_TITLE_CHARS + 1)).is_err());
        assert!(Title::parse(&" ".repeat(100_000)).is_err());
        assert!(Title::parse(&format!(" {} ", "x".repeat(MAX_TITLE_CHARS - 1))).is_err(), "spaces count");
    }

    #[test]
    fn notes_keep_their_lines_and_empty_ones_are_none() {
        let note = Note::parse("  First line  \r\nsecond\n").unwrap().unwrap();
        assert_eq!(note.as_str(), "First line\nsecond");
        assert_eq!(Note::parse(" \n ").unwrap(), None);
        assert!(Note::parse(&"x".repeat(MAX_NOTE_CHARS + 1)).is_err());
        assert!(Description::parse(&"x".repeat(MAX_NOTE_CHARS + 1)).is_ok());
    }

    #[test]
    fn chosen_slugs_are_slugs() {
        assert_eq!(chosen_slug("summer-light").unwrap().as_str(), "summer-light");
        assert!(chosen_slug("Summer Light").is_err());
        assert!(chosen_slug("ab").is_err());
        assert!(chosen_slug(" summer").is_err());
        let base = Slug::from_stored("sea".to_owned());
        assert_eq!(slug_candidate(&base, 1), "sea");
        assert_eq!(slug_candidate(&base, 3), "sea-3");
        let long = Title::parse(&"word ".repeat(24)).unwrap().slug();
        assert_eq!(long.as_str().len(), MAX_SLUG_CHARS - 1, "cut where a word ends: {long:?}");
        let candidate = slug_candidate(&long, 12);
        assert!(candidate.len() <= MAX_SLUG_CHARS && candidate.ends_with("-12"), "{candidate}");
    }
}
