//! The mail templates: for each message a subject, a plain-text body and an
//! HTML body, per language, compiled into the binary. A language without its
//! own version of a message falls back to English.

use std::sync::LazyLock;

use minijinja::Environment;
use serde::Serialize;

/// Every message the marketplace sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// Confirms the address an account registered with.
    VerifyEmail,
    /// Confirms a new address before the account moves to it.
    ConfirmNewEmail,
    /// Tells the old address that the account moved.
    EmailChanged,
    PasswordReset,
    PasswordChanged,
    /// Notifications that were not read in the app, together.
    Notifications,
    /// A sign-in from a device the account has not used before.
    NewSignIn,
}

impl Template {
    pub const ALL: [Template; 7] = [
        Template::VerifyEmail,
        Template::ConfirmNewEmail,
        Template::EmailChanged,
        Template::PasswordReset,
        Template::PasswordChanged,
        Template::Notifications,
        Template::NewSignIn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Template::VerifyEmail => "verify_email",
            Template::ConfirmNewEmail => "confirm_new_email",
            Template::EmailChanged => "email_changed",
            Template::PasswordReset => "password_reset",
            Template::PasswordChanged => "password_changed",
            Template::Notifications => "notifications",
            Template::NewSignIn => "new_sign_in",
        }
    }
}

/// The languages mail is written in; English first, as the fallback.
pub const LANGUAGES: [&str; 2] = ["en", "fr"];

macro_rules! sources {
    ($($lang:literal / $name:literal),* $(,)?) => {
        &[$(
            (concat!($lang, "/", $name, ".subject.txt"), include_str!(concat!("templates/", $lang, "/", $name, ".subject.txt"))),
            (concat!($lang, "/", $name, ".txt"), include_str!(concat!("templates/", $lang, "/", $name, ".txt"))),
            (concat!($lang, "/", $name, ".html"), include_str!(concat!("templates/", $lang, "/", $name, ".html"))),
        )*]
    };
}

const SOURCES: &[(&str, &str)] = sources![
    "en" / "verify_email",
    "en" / "confirm_new_email",
    "en" / "email_changed",
    "en" / "password_reset",
    "en" / "password_changed",
    "en" / "notifications",
    "en" / "new_sign_in",
    "fr" / "verify_email",
    "fr" / "password_reset",
];

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Strict: a variable a template names but the sender forgot is an
    // error in the tests, not an empty gap in someone's mail.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template("layout.html", include_str!("templates/layout.html")).expect("the mail layout parses");
    env.add_template("en/notification.txt", include_str!("templates/en/notification.txt"))
        .expect("the notification sentences parse");
    for (name, source) in SOURCES {
        env.add_template(name, source).unwrap_or_else(|e| panic!("mail template {name} does not parse: {e}"));
    }
    env
});

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The message in `language` where it is written in it, else in English.
pub fn render(template: Template, language: &str, vars: &impl Serialize) -> anyhow::Result<Rendered> {
    let language = if TEMPLATES.get_template(&format!("{language}/{}.txt", template.name())).is_ok() {
        language
    } else {
        LANGUAGES[0]
    };
    let part = |suffix: &str| -> anyhow::Result<String> {
        let name = format!("{language}/{}{suffix}", template.name());
        Ok(TEMPLATES.get_template(&name)?.render(minijinja::value::Serde(vars))?)
    };
    Ok(Rendered {
        // A subject is one line, whatever the template's trailing newline.
        subject: part(".subject.txt")?.split_whitespace().collect::<Vec<_>>().join(" "),
        text: part(".txt")?,
        html: part(".html")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> serde_json::Value {
        serde_json::json!({
            "site_name": "Atelier", "site_url": "https://atelier.example", "name": "Ann <Smith> & Co",
            "link": "https://atelier.example/verify-email/?token=abc&x=1", "hours": 24, "minutes": 30,
            "new_email": "ann@new.example", "device": "Firefox on Linux", "ip": "203.0.113.9",
            "when": "4 December 2026, 21:30 UTC", "unsubscribe_link": "https://atelier.example/unsubscribe/?token=t",
            "items": [{
                "kind": "message", "title": "Boats & <Sea>", "status": null, "from": "Bo", "excerpt": "Is it framed?",
                "artist": null, "reason": null, "link": "https://atelier.example/messages/?c=1",
            }],
        })
    }

    #[test]
    fn every_message_renders_in_english_with_the_html_escaped() {
        for template in Template::ALL {
            let mail = render(template, "en", &vars()).unwrap_or_else(|e| panic!("{template:?}: {e:#}"));
            assert!(!mail.subject.is_empty() && !mail.subject.contains('\n'), "{template:?}: {}", mail.subject);
            assert!(mail.text.contains("Ann <Smith> & Co"), "plain text is not escaped: {}", mail.text);
            assert!(mail.html.contains("Ann &lt;Smith&gt; &amp; Co"), "HTML is escaped: {}", mail.html);
            // minijinja escapes `/` too, which a browser reads back as `/`.
            assert!(mail.html.contains("href=\"https:&#x2f;&#x2f;atelier.example\""), "{template:?} links the site");
            assert!(mail.text.contains("Hello Ann <Smith> & Co"), "{template:?} greets the reader");
        }
    }

    #[test]
    fn notifications_are_told_as_sentences_one_in_the_subject_several_counted() {
        let one = render(Template::Notifications, "en", &vars()).unwrap();
        assert_eq!(one.subject, "Bo wrote about “Boats & <Sea>”: “Is it framed?”");
        assert!(one.text.contains("- Bo wrote about “Boats & <Sea>”: “Is it framed?”"), "{}", one.text);
        assert!(one.html.contains("“Boats &amp; &lt;Sea&gt;”"), "escaped once in HTML: {}", one.html);
        assert!(one.text.contains("Stop all notification mail: https://atelier.example/unsubscribe/?token=t"));
        let mut several = vars();
        several["items"] = serde_json::json!([
            {"kind": "order_update", "title": "Dusk", "status": "shipped", "from": null, "excerpt": null,
             "artist": null, "reason": null, "link": "https://atelier.example/orders/?id=1"},
            {"kind": "offer", "title": null, "status": "pending", "from": null, "excerpt": null,
             "artist": null, "reason": null, "link": "https://atelier.example/offers/?id=2"},
        ]);
        let several = render(Template::Notifications, "en", &several).unwrap();
        assert_eq!(several.subject, "2 updates on Atelier");
        assert!(several.text.contains("- Your order of “Dusk” has shipped."), "{}", several.text);
        assert!(several.text.contains("- An offer on a work awaits your answer."), "{}", several.text);
    }

    #[test]
    fn mail_is_written_in_the_reader_s_language_where_it_exists() {
        let french = render(Template::PasswordReset, "fr", &vars()).unwrap();
        assert!(french.subject.starts_with("Réinitialisez"), "{}", french.subject);
        assert!(french.text.contains("30 minutes"));
        let fallback = render(Template::PasswordChanged, "fr", &vars()).unwrap();
        assert!(fallback.subject.starts_with("Your Atelier password"), "no French version: English");
        let unknown = render(Template::VerifyEmail, "xx", &vars()).unwrap();
        assert!(unknown.subject.starts_with("Confirm your e-mail"));
    }

    #[test]
    fn a_missing_variable_is_an_error_not_a_gap() {
        let error = render(Template::VerifyEmail, "en", &serde_json::json!({"site_name": "Atelier"}));
        assert!(error.is_err());
    }
}
