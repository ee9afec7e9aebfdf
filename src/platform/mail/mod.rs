//! The mail port: hands a finished message to whatever delivers it. The
//! embedded default keeps mail in a local mailbox (a table the development
//! mail page reads); the adapters relay it over SMTP or through Amazon SES.
//! Both adapters send the same MIME message, built here.

pub mod local;
pub mod ses;
pub mod smtp;

use std::sync::Arc;

use async_trait::async_trait;
use lettre::message::{
    Mailbox, Message, MultiPart,
    header::{Header, HeaderName, HeaderValue},
};
use uuid::Uuid;

pub use self::local::{LocalMailbox, MailboxEntry};
use super::{
    aws::LazyAwsConfig,
    config::{MailBackend, MailConfig},
};

/// A message ready to go: rendered, addressed, with the id that becomes its
/// `Message-ID` (so a message delivered twice can be told for one).
#[derive(Clone, Debug)]
pub struct OutgoingMail {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The one-click unsubscribe address (RFC 8058), for mail someone can
    /// stop receiving.
    pub unsubscribe: Option<String>,
}

/// What the transport made of a message.
#[derive(Debug)]
pub enum SendError {
    /// Refused for good (an address that cannot take mail, a sender the
    /// provider will not send for): sending again would be refused again.
    Rejected(String),
    /// Could not be handed over now (connection, throttling, an outage):
    /// worth trying again later.
    Failed(anyhow::Error),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Rejected(reason) => write!(f, "rejected: {reason}"),
            SendError::Failed(error) => write!(f, "failed: {error:#}"),
        }
    }
}

#[async_trait]
pub trait MailTransport: Send + Sync + 'static {
    /// Delivers one message; answers the provider's id for it, where there is one.
    async fn send(&self, mail: &OutgoingMail) -> Result<Option<String>, SendError>;
}

pub struct Mail {
    pub transport: Arc<dyn MailTransport>,
    /// Set when the embedded mailbox is in use: the development mail page reads it.
    pub local: Option<Arc<LocalMailbox>>,
}

/// The adapter `config` selects.
pub async fn from_config(config: &MailConfig, db: &sqlx::PgPool, aws: &LazyAwsConfig) -> anyhow::Result<Mail> {
    let from: Mailbox =
        config.from.parse().map_err(|e| anyhow::anyhow!("MAIL_FROM={:?} is not a mailbox: {e}", config.from))?;
    Ok(match &config.backend {
        MailBackend::Local => {
            let local = Arc::new(LocalMailbox::new(db.clone(), from));
            Mail { transport: local.clone(), local: Some(local) }
        }
        MailBackend::Smtp { url } => {
            Mail { transport: Arc::new(smtp::SmtpTransport::new(url.expose(), from)?), local: None }
        }
        MailBackend::Ses { endpoint_url } => Mail {
            transport: Arc::new(ses::SesTransport::new(aws.get().await, endpoint_url.as_deref(), from)),
            local: None,
        },
    })
}

/// `List-Unsubscribe`: where a mail client's unsubscribe button goes.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().trim_start_matches('<').trim_end_matches('>').to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post`: says the address above unsubscribes with one
/// POST and no further page (RFC 8058), which mail providers require of bulk senders.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// The MIME message both relays send: plain text and HTML alternatives.
pub fn mime_message(from: &Mailbox, mail: &OutgoingMail) -> Result<Message, SendError> {
    let to: Mailbox =
        mail.to.parse().map_err(|e| SendError::Rejected(format!("the recipient cannot take mail: {e}")))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}@{}>", mail.id, from.email.domain())));
    if let Some(url) = &mail.unsubscribe {
        builder = builder.header(ListUnsubscribe(url.clone())).header(ListUnsubscribePost);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
        .map_err(|e| SendError::Rejected(format!("the message cannot be built: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(to: &str, unsubscribe: Option<&str>) -> OutgoingMail {
        OutgoingMail {
            id: Uuid::nil(),
            to: to.to_owned(),
            subject: "Confirm your address — Atelier".to_owned(),
            text: "Open the link.".to_owned(),
            html: "<p>Open the link.</p>".to_owned(),
            unsubscribe: unsubscribe.map(str::to_owned),
        }
    }

    #[test]
    fn messages_carry_both_bodies_their_id_and_the_one_click_headers() {
        let from: Mailbox = "Atelier <mail@atelier.example>".parse().unwrap();
        let raw = String::from_utf8(
            mime_message(&from, &mail("ann@example.com", Some("https://atelier.example/u?t=1"))).unwrap().formatted(),
        )
        .unwrap();
        assert!(raw.contains("Message-ID: <00000000-0000-0000-0000-000000000000@atelier.example>"), "{raw}");
        assert!(raw.contains("List-Unsubscribe: <https://atelier.example/u?t=1>"), "{raw}");
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"), "{raw}");
    }

    #[test]
    fn a_recipient_that_is_not_an_address_is_refused_for_good() {
        let from: Mailbox = "mail@atelier.example".parse().unwrap();
        assert!(matches!(mime_message(&from, &mail("not an address", None)), Err(SendError::Rejected(_))));
        let raw = String::from_utf8(mime_message(&from, &mail("ann@example.com", None)).unwrap().formatted()).unwrap();
        assert!(!raw.contains("List-Unsubscribe"), "transactional mail has no unsubscribe: {raw}");
    }
}
