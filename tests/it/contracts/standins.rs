//! The local stand-ins `scripts/test` starts: moto (S3, SQS and DynamoDB, no
//! signature checks), s3s-fs (S3 with signature and POST-policy checks) and
//! localstripe (Stripe's PaymentIntents, refunds and signed webhooks).

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::Credentials;
use aws_sdk_sqs::types::QueueAttributeName;
use uuid::Uuid;

fn required(name: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| panic!("{name} is not set: run the tests through scripts/test, which starts the stand-ins"))
}

pub fn moto_url() -> String {
    required("ATELIER_TEST_MOTO_URL")
}

pub fn localstripe_url() -> String {
    required("ATELIER_TEST_LOCALSTRIPE_URL")
}

/// localstripe takes any secret key shaped like Stripe's.
pub const LOCALSTRIPE_SECRET_KEY: &str = "sk_test_atelier";

/// The Stripe adapter's settings on localstripe, with events signed with
/// `webhook_secret`. Production refuses the sandbox, so tests of production
/// settings use these whether or not they pay.
pub fn localstripe_settings(webhook_secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PAYMENTS", "stripe".to_owned()),
        ("STRIPE_API_BASE", localstripe_url()),
        ("STRIPE_SECRET_KEY", LOCALSTRIPE_SECRET_KEY.to_owned()),
        ("STRIPE_PUBLISHABLE_KEY", "pk_test_atelier".to_owned()),
        ("PAYMENTS_WEBHOOK_SECRETS", webhook_secret.to_owned()),
    ]
}

/// What production requires beyond payments: mail that leaves the machine
/// (SES, here on moto) and a kept secret for its links.
pub fn production_settings(webhook_secret: &str) -> Vec<(&'static str, String)> {
    let mut settings = localstripe_settings(webhook_secret);
    settings.extend([
        ("APP_ENV", "production".to_owned()),
        ("MAIL", "ses".to_owned()),
        ("SES_ENDPOINT_URL", moto_url()),
        ("MAIL_LINK_SECRET", "mail-link-secret-for-tests".to_owned()),
    ]);
    settings
}

pub struct S3sFs {
    pub url: String,
    pub access_key: String,
    pub secret_key: String,
}

pub fn s3s_fs() -> S3sFs {
    S3sFs {
        url: required("ATELIER_TEST_S3S_URL"),
        access_key: required("ATELIER_TEST_S3S_ACCESS_KEY"),
        secret_key: required("ATELIER_TEST_S3S_SECRET_KEY"),
    }
}

/// AWS configuration with fixed credentials, so nothing from the machine's
/// environment or profiles takes part.
pub async fn sdk_config(access_key: &str, secret_key: &str, session_token: Option<&str>) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(access_key, secret_key, session_token.map(str::to_owned), None, "tests"))
        .load()
        .await
}

pub async fn moto_config() -> SdkConfig {
    sdk_config("testing", "testing", None).await
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", Uuid::now_v7().simple())
}

/// A fresh queue whose RedrivePolicy dead-letters a message received more
/// than `max_receives` times into a fresh dead-letter queue; returns its URL.
pub async fn moto_queue(client: &aws_sdk_sqs::Client, max_receives: i32, fifo: bool) -> String {
    let suffix = if fifo { ".fifo" } else { "" };
    let fifo_attribute = |request: aws_sdk_sqs::operation::create_queue::builders::CreateQueueFluentBuilder| {
        if fifo { request.attributes(QueueAttributeName::FifoQueue, "true") } else { request }
    };
    let dead_letter_url = fifo_attribute(client.create_queue().queue_name(format!("{}{suffix}", unique("dlq"))))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = client
        .get_queue_attributes()
        .queue_url(&dead_letter_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()
        .remove(&QueueAttributeName::QueueArn)
        .unwrap();
    let redrive = serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max_receives.to_string()});
    fifo_attribute(client.create_queue().queue_name(format!("{}{suffix}", unique("jobs"))))
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap()
}

/// A fresh DynamoDB table shaped like the deployed one: partition key `pk`
/// (String), TTL on `expires_at`; returns its name.
pub async fn moto_kv_table(client: &aws_sdk_dynamodb::Client) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TimeToLiveSpecification,
    };
    let table = unique("kv");
    client
        .create_table()
        .table_name(&table)
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    client
        .update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder().attribute_name("expires_at").enabled(true).build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    table
}

/// A table shaped like template.yaml's SocketsTable: `pk` and `sk`, TTL on
/// `expires_at`.
pub async fn moto_socket_table(client: &aws_sdk_dynamodb::Client) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TimeToLiveSpecification,
    };
    let table = unique("sockets");
    let attribute =
        |name: &str| AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build();
    client
        .create_table()
        .table_name(&table)
        .attribute_definitions(attribute("pk").unwrap())
        .attribute_definitions(attribute("sk").unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("sk").key_type(KeyType::Range).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    client
        .update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder().attribute_name("expires_at").enabled(true).build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    table
}
