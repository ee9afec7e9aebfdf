//! The context every handler receives: configuration, the database pool and
//! one adapter per port, each chosen by its port's `from_config`.

use std::sync::Arc;

use sqlx::PgPool;

use crate::{
    auth::{Callers, tokens::TokenKeys},
    platform::{
        aws::LazyAwsConfig,
        config::{Config, EmbedderBackend, EmbedderConfig},
        db,
        embedder::{self, Embedder},
        http::{RouteGuards, metrics::RequestMetrics},
        kv::{self, KeyValueStore},
        mail::{self, LocalMailbox, MailTransport},
        objects::{self, LocalObjectStore, ObjectStore},
        payments::{self, PaymentProvider, SandboxPayments},
        queue::{self, JobQueue},
        sockets::{self, Sockets},
        vectors::{self, DEFAULT_DIMENSION, VectorIndex},
    },
};

#[derive(Clone)]
pub struct AppContext {
    pub config: Arc<Config>,
    pub db: PgPool,
    pub kv: Arc<dyn KeyValueStore>,
    pub tokens: Arc<TokenKeys>,
    pub objects: Arc<dyn ObjectStore>,
    /// Set when the embedded object store is in use: the local server then
    /// answers its signed upload and download URLs.
    pub local_objects: Option<Arc<LocalObjectStore>>,
    pub queue: Arc<dyn JobQueue>,
    pub mail: Arc<dyn MailTransport>,
    /// Set when mail stays in the embedded mailbox: the development mail page reads it.
    pub local_mailbox: Option<Arc<LocalMailbox>>,
    pub payments: Arc<dyn PaymentProvider>,
    /// Set when the embedded payments provider is in use: the local server
    /// then answers its card form and delivers its events.
    pub sandbox_payments: Option<Arc<SandboxPayments>>,
    pub discovery: Arc<Discovery>,
    pub metrics: Arc<RequestMetrics>,
    /// Fans committed events out to this process's live connections.
    pub realtime: Arc<crate::realtime::Hub>,
    /// Set where a gateway holds the live connections (API Gateway's
    /// WebSocket API): its registry and the way to post to them.
    pub sockets: Option<Arc<Sockets>>,
}

/// The ports semantic discovery needs. The embedder loads on first use, so
/// functions that never embed (most HTTP families) never pay for the model.
pub struct Discovery {
    pub vectors: Arc<dyn VectorIndex>,
    embedder_config: EmbedderConfig,
    embedder: tokio::sync::OnceCell<Arc<dyn Embedder>>,
}

impl Discovery {
    pub fn new(vectors: Arc<dyn VectorIndex>, embedder_config: EmbedderConfig) -> Self {
        Self { vectors, embedder_config, embedder: tokio::sync::OnceCell::new() }
    }

    pub async fn embedder(&self) -> anyhow::Result<Arc<dyn Embedder>> {
        self.embedder.get_or_try_init(|| embedder::from_config(&self.embedder_config)).await.cloned()
    }
}

impl AppContext {
    /// Builds every port from configuration. Connections open lazily, so a cold
    /// function start does not wait on the database until a request needs it.
    pub async fn from_config(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(config.database_url.expose(), config.database_max_connections).await?;
        let aws = LazyAwsConfig::default();
        let objects = objects::from_config(&config.storage, config.media.max_upload_bytes, &aws).await?;
        let dimension = match &config.embedder.backend {
            EmbedderBackend::Local { .. } => DEFAULT_DIMENSION,
            EmbedderBackend::OpenAi(openai) => openai.dimensions as u64,
        };
        let payments = payments::from_config(&config.payments, &config.database_url).await?;
        let mail = mail::from_config(&config.mail, &pool, &aws).await?;
        Ok(Self {
            mail: mail.transport,
            local_mailbox: mail.local,
            payments: payments.provider,
            sandbox_payments: payments.sandbox,
            tokens: Arc::new(TokenKeys::from_config(&config.auth)?),
            kv: kv::from_config(&config.kv, &pool, &aws).await,
            queue: queue::from_config(&config.queue, &pool, &aws).await,
            discovery: Arc::new(Discovery::new(
                vectors::from_config(&config.vectors, &pool, dimension).await?,
                config.embedder.clone(),
            )),
            objects: objects.store,
            local_objects: objects.local,
            metrics: Arc::new(RequestMetrics::new(&config.metrics_export)),
            realtime: crate::realtime::Hub::new(pool.clone()),
            sockets: match &config.sockets {
                Some(sockets) => Some(Arc::new(sockets::from_config(sockets, &pool, &aws).await)),
                None => None,
            },
            db: pool,
            config: Arc::new(config),
        })
    }

    pub async fn from_env() -> anyhow::Result<Self> {
        Self::from_config(Config::from_env()?).await
    }

    /// What the route middleware needs: the key-value port, the budgets, and
    /// the token keys to tell callers apart.
    pub fn route_guards(&self) -> RouteGuards {
        RouteGuards {
            kv: self.kv.clone(),
            rate_limits: self.config.rate_limits,
            max_body_bytes: self.config.max_body_bytes,
            callers: Arc::new(Callers { tokens: self.tokens.clone(), db: self.db.clone() }),
        }
    }
}
