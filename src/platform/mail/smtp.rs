//! SMTP relay through lettre: the URL names the server, its TLS mode and the
//! credentials (`smtps://user:pass@host`, `smtp://host:587?tls=required`).

use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor, message::Mailbox};

use super::{MailTransport, OutgoingMail, SendError, mime_message};

pub struct SmtpTransport {
    relay: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpTransport {
    pub fn new(url: &str, from: Mailbox) -> anyhow::Result<Self> {
        // The URL is a secret (it may hold the password): errors name the setting, not the value.
        let relay = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("SMTP_URL is not a usable SMTP address: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        Ok(Self { relay, from })
    }
}

#[async_trait]
impl MailTransport for SmtpTransport {
    async fn send(&self, mail: &OutgoingMail) -> Result<Option<String>, SendError> {
        let message = mime_message(&self.from, mail)?;
        match self.relay.send(message).await {
            Ok(response) => Ok(response.message().next().map(str::to_owned)),
            // A 5xx answer is the server refusing the message for good
            // (RFC 5321 §4.2.1); anything else may pass on another try.
            Err(e) if e.is_permanent() => Err(SendError::Rejected(e.to_string())),
            Err(e) => Err(SendError::Failed(e.into())),
        }
    }
}
