//! Amazon SES (the v2 API), sending the same raw MIME message the SMTP relay
//! sends, so headers such as `List-Unsubscribe` reach the recipient unchanged.

use async_trait::async_trait;
use aws_sdk_sesv2::{
    Client,
    error::SdkError,
    operation::send_email::SendEmailError,
    primitives::Blob,
    types::{Destination, EmailContent, RawMessage},
};
use lettre::message::Mailbox;

use super::{MailTransport, OutgoingMail, SendError, mime_message};

pub struct SesTransport {
    client: Client,
    from: Mailbox,
}

impl SesTransport {
    pub fn new(sdk: &aws_config::SdkConfig, endpoint_url: Option<&str>, from: Mailbox) -> Self {
        let mut builder = aws_sdk_sesv2::config::Builder::from(sdk);
        if let Some(url) = endpoint_url {
            builder = builder.endpoint_url(url);
        }
        Self { client: Client::from_conf(builder.build()), from }
    }
}

#[async_trait]
impl MailTransport for SesTransport {
    async fn send(&self, mail: &OutgoingMail) -> Result<Option<String>, SendError> {
        let message = mime_message(&self.from, mail)?;
        let raw = RawMessage::builder()
            .data(Blob::new(message.formatted()))
            .build()
            .map_err(|e| SendError::Rejected(format!("the message cannot be sent: {e}")))?;
        let sent = self
            .client
            .send_email()
            .from_email_address(self.from.to_string())
            .destination(Destination::builder().to_addresses(mail.to.clone()).build())
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await;
        match sent {
            Ok(output) => Ok(output.message_id().map(str::to_owned)),
            Err(SdkError::ServiceError(failure)) => match failure.err() {
                // The message or its sender is refused; the same message would be again.
                error
                @ (SendEmailError::MessageRejected(_) | SendEmailError::MailFromDomainNotVerifiedException(_)) => {
                    Err(SendError::Rejected(error.to_string()))
                }
                error => Err(SendError::Failed(anyhow::anyhow!("SES refused to send now: {error}"))),
            },
            Err(error) => Err(SendError::Failed(anyhow::Error::from(error).context("reaching SES"))),
        }
    }
}
