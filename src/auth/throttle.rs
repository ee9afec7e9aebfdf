//! Failed-login throttling per account and per client address, kept in the
//! key-value port so every host instance shares the counts.

use std::time::Duration;

use crate::platform::{
    http::error::{ApiError, ApiResult},
    kv::KeyValueStore,
};

const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures allowed against one account per window: enough for typos, too few
/// for guessing.
const PER_ACCOUNT: i64 = 5;
/// Failures allowed from one address per window, across all accounts (password
/// spraying); higher because offices and mobile carriers share addresses.
const PER_IP: i64 = 30;

fn account_key(normalized_email: &str) -> String {
    format!("login-fail:account:{normalized_email}")
}

fn ip_key(ip: &str) -> String {
    format!("login-fail:ip:{ip}")
}

/// Refuses the attempt before any password work when either budget is spent.
/// The account budget applies to unknown e-mails too, so the answer reveals
/// nothing about which accounts exist.
pub async fn check(kv: &dyn KeyValueStore, normalized_email: &str, ip: &str) -> ApiResult<()> {
    for (key, limit) in [(account_key(normalized_email), PER_ACCOUNT), (ip_key(ip), PER_IP)] {
        let count = kv.count(&key).await?;
        if count.value >= limit {
            let retry = (count.expires_at - chrono::Utc::now()).num_seconds().max(1) as u64;
            return Err(ApiError::TooManyRequests { retry_after_secs: retry });
        }
    }
    Ok(())
}

pub async fn record_failure(kv: &dyn KeyValueStore, normalized_email: &str, ip: &str) -> ApiResult<()> {
    kv.increment(&account_key(normalized_email), WINDOW).await?;
    kv.increment(&ip_key(ip), WINDOW).await?;
    Ok(())
}

pub async fn record_success(kv: &dyn KeyValueStore, normalized_email: &str) -> ApiResult<()> {
    kv.delete(&account_key(normalized_email)).await?;
    Ok(())
}
