//! The pusher for API Gateway's WebSocket API: PostToConnection on the
//! stage's management endpoint, signed with the function's credentials. A
//! connection that has closed answers 410 Gone.

use anyhow::Context;
use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::{Client, primitives::Blob};

use super::{Posted, SocketPusher};

pub struct ApiGatewayPusher {
    client: Client,
}

impl ApiGatewayPusher {
    /// `endpoint_url` is `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`.
    pub fn new(sdk: &aws_config::SdkConfig, endpoint_url: &str) -> Self {
        let config = aws_sdk_apigatewaymanagement::config::Builder::from(sdk).endpoint_url(endpoint_url).build();
        Self { client: Client::from_conf(config) }
    }
}

#[async_trait]
impl SocketPusher for ApiGatewayPusher {
    async fn post(&self, connection_id: &str, message: &[u8]) -> anyhow::Result<Posted> {
        let sent = self.client.post_to_connection().connection_id(connection_id).data(Blob::new(message)).send().await;
        match sent {
            Ok(_) => Ok(Posted::Delivered),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_gone_exception()) => Ok(Posted::Gone),
            Err(e) => Err(e).context("API Gateway PostToConnection"),
        }
    }
}
