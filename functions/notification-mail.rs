//! Lambda function on an EventBridge schedule: mails the notifications that are due.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda_notification_mail().await
}
