//! The mail port's contract, run against each adapter: the embedded mailbox
//! (PostgreSQL), SMTP to the local aiosmtpd server `scripts/test` starts
//! (which writes what it accepts to a Maildir and refuses `@refused.test`
//! with a 550), and Amazon SES's v2 API on moto.

use std::path::PathBuf;

use atelier::platform::mail::{MailTransport, OutgoingMail, SendError, ses::SesTransport, smtp::SmtpTransport};
use lettre::message::Mailbox;
use uuid::Uuid;

use crate::{
    contracts::standins::{moto_config, moto_url, unique},
    support::{free_port, spawn_app},
};

fn smtp_url() -> String {
    std::env::var("ATELIER_TEST_SMTP_URL")
        .expect("ATELIER_TEST_SMTP_URL is not set: run the tests through scripts/test, which starts the SMTP server")
}

fn smtp_maildir() -> PathBuf {
    std::env::var("ATELIER_TEST_SMTP_MAILDIR").expect("ATELIER_TEST_SMTP_MAILDIR is not set").into()
}

fn letter(to: &str) -> OutgoingMail {
    OutgoingMail {
        id: Uuid::now_v7(),
        to: to.to_owned(),
        subject: "Your order shipped — Atelier".to_owned(),
        text: "It is on its way: Royal Mail RM123GB.".to_owned(),
        html: "<p>It is on its way: <strong>Royal Mail RM123GB</strong>.</p>".to_owned(),
        unsubscribe: Some("https://atelier.example/api/mail/unsubscribe?token=abc".to_owned()),
    }
}

fn from(address: &str) -> Mailbox {
    format!("Atelier <{address}>").parse().unwrap()
}

/// What every adapter does with an address that cannot take mail at all.
async fn refuses_a_recipient_that_is_not_an_address(transport: &dyn MailTransport) {
    let outcome = transport.send(&letter("ann at example")).await;
    assert!(matches!(outcome, Err(SendError::Rejected(_))), "{outcome:?}");
}

#[tokio::test]
async fn the_embedded_mailbox_keeps_each_message_once() {
    let app = spawn_app().await;
    let mailbox = app.ctx.local_mailbox.clone().expect("development keeps mail local");
    let message = letter("Ann@Example.com");
    mailbox.send(&message).await.unwrap();
    mailbox.send(&message).await.unwrap();
    let kept = mailbox.list(Some("ann@example.com"), 10).await.unwrap();
    assert_eq!(kept.len(), 1, "a message delivered twice is kept once");
    assert_eq!(kept[0].id, message.id);
    assert_eq!(kept[0].subject, message.subject);
    assert_eq!(kept[0].html_body, message.html);
    assert_eq!(kept[0].list_unsubscribe.as_deref(), message.unsubscribe.as_deref());
    assert!(mailbox.list(Some("bob@example.com"), 10).await.unwrap().is_empty(), "nobody else's mail is listed");
    refuses_a_recipient_that_is_not_an_address(mailbox.as_ref()).await;
}

#[tokio::test]
async fn smtp_delivers_mime_with_both_bodies_and_reports_a_refused_mailbox_as_a_bounce() {
    let transport = SmtpTransport::new(&smtp_url(), from("mail@atelier.example")).unwrap();
    let message = letter(&format!("{}@example.com", unique("ann")));
    transport.send(&message).await.unwrap();

    let received: Vec<String> = std::fs::read_dir(smtp_maildir().join("new"))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .filter(|raw| raw.contains(&message.id.to_string()))
        .collect();
    assert_eq!(received.len(), 1, "the server received the message once");
    let raw = &received[0];
    assert!(raw.contains(&format!("Message-ID: <{}@atelier.example>", message.id)), "{raw}");
    assert!(raw.contains(&format!("To: {}", message.to)), "{raw}");
    assert!(raw.contains("List-Unsubscribe: <https://atelier.example/api/mail/unsubscribe?token=abc>"), "{raw}");
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
    assert!(raw.contains("Content-Type: text/plain") && raw.contains("Content-Type: text/html"), "{raw}");

    let refused = transport.send(&letter("nobody@refused.test")).await;
    match refused {
        Err(SendError::Rejected(reason)) => assert!(reason.contains("550") || reason.contains("mailbox"), "{reason}"),
        other => panic!("a 550 is a bounce: {other:?}"),
    }
    refuses_a_recipient_that_is_not_an_address(&transport).await;

    let nobody_listening =
        SmtpTransport::new(&format!("smtp://127.0.0.1:{}", free_port()), from("mail@atelier.example")).unwrap();
    let outcome = nobody_listening.send(&letter("ann@example.com")).await;
    assert!(matches!(outcome, Err(SendError::Failed(_))), "an unreachable relay is worth another try: {outcome:?}");
}

#[tokio::test]
async fn ses_sends_the_raw_message_for_a_verified_sender_and_refuses_others() {
    let sdk = moto_config().await;
    let domain = format!("{}.example", unique("atelier"));
    let ses =
        aws_sdk_sesv2::Client::from_conf(aws_sdk_sesv2::config::Builder::from(&sdk).endpoint_url(moto_url()).build());
    ses.create_email_identity().email_identity(&domain).send().await.unwrap();

    let transport = SesTransport::new(&sdk, Some(&moto_url()), from(&format!("mail@{domain}")));
    let provider_id = transport.send(&letter("ann@example.com")).await.unwrap();
    assert!(provider_id.is_some_and(|id| !id.is_empty()), "SES names the message it accepted");
    refuses_a_recipient_that_is_not_an_address(&transport).await;

    let unverified =
        SesTransport::new(&sdk, Some(&moto_url()), from(&format!("mail@{}.example", unique("unverified"))));
    let outcome = unverified.send(&letter("ann@example.com")).await;
    assert!(matches!(outcome, Err(SendError::Rejected(_))), "SES refuses a sender it has not verified: {outcome:?}");

    let unreachable =
        SesTransport::new(&sdk, Some(&format!("http://127.0.0.1:{}", free_port())), from(&format!("mail@{domain}")));
    let outcome = unreachable.send(&letter("ann@example.com")).await;
    assert!(matches!(outcome, Err(SendError::Failed(_))), "an unreachable SES is worth another try: {outcome:?}");
}
