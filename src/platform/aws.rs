//! The AWS SDK's shared configuration, loaded only when a cloud adapter asks
//! for it and then once, so hosts on the embedded defaults never read the AWS
//! credential chain.

use aws_config::SdkConfig;
use tokio::sync::OnceCell;

#[derive(Default)]
pub struct LazyAwsConfig(OnceCell<SdkConfig>);

impl LazyAwsConfig {
    pub async fn get(&self) -> &SdkConfig {
        self.0.get_or_init(|| aws_config::load_defaults(aws_config::BehaviorVersion::latest())).await
    }
}
