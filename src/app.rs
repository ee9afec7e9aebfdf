//! The application context every handler receives, and the routers built from it.
//!
//! Each route family is one router; the local server mounts them all, and each
//! Vercel or Lambda function mounts its own. Every host goes through
//! [`family_router`] or [`full_router`], so all of them stack the same layers.

use std::sync::Arc;

use axum::{Extension, Router, routing::any};
use sqlx::PgPool;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{
    auth::tokens::TokenKeys,
    platform::{
        config::{Config, EmbedderBackend, EmbedderConfig, KvBackend, QueueBackend, StorageConfig},
        db,
        dynamo_kv::{DynamoKeyValueStore, dynamodb_client},
        embedder::{Embedder, embedder_from_config},
        http::{method_not_allowed, not_found, with_common_layers},
        kv::{KeyValueStore, PgKeyValueStore},
        local_objects::LocalObjectStore,
        metrics::RequestMetrics,
        objects::ObjectStore,
        queue::{JobQueue, PgJobQueue},
        s3::{S3ObjectStore, S3Settings},
        sqs::{SqsJobQueue, sqs_client},
        vectors::{DEFAULT_DIMENSION, VectorIndex, vector_index_from_config},
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
    pub discovery: Arc<Discovery>,
    pub metrics: Arc<RequestMetrics>,
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
        self.embedder.get_or_try_init(|| embedder_from_config(&self.embedder_config)).await.cloned()
    }
}

impl AppContext {
    /// Builds every port from configuration. Connections open lazily, so a cold
    /// function start does not wait on the database until a request needs it.
    pub async fn from_config(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(&config.database_url, config.database_max_connections).await?;
        let tokens = TokenKeys::from_config(&config.auth)?;
        // Loaded only when a cloud adapter is configured, and then once.
        let aws = tokio::sync::OnceCell::new();
        let aws_config = || aws.get_or_init(|| aws_config::load_defaults(aws_config::BehaviorVersion::latest()));
        let (objects, local_objects): (Arc<dyn ObjectStore>, _) = match &config.storage {
            StorageConfig::Local { dir, signing_secret, public_base_url } => {
                let secret = match signing_secret {
                    Some(secret) => secret.as_bytes().to_vec(),
                    None => rand::random::<[u8; 32]>().to_vec(),
                };
                let local = Arc::new(LocalObjectStore::new(
                    dir.clone(),
                    secret,
                    public_base_url.clone(),
                    config.media.max_upload_bytes,
                ));
                (local.clone(), Some(local))
            }
            StorageConfig::S3 { bucket, endpoint_url, force_path_style } => {
                let settings = S3Settings {
                    bucket: bucket.clone(),
                    endpoint_url: endpoint_url.clone(),
                    force_path_style: *force_path_style,
                };
                (Arc::new(S3ObjectStore::new(aws_config().await, settings)?), None)
            }
        };
        let queue: Arc<dyn JobQueue> = match &config.queue.backend {
            QueueBackend::Postgres => Arc::new(PgJobQueue::new(pool.clone(), config.queue.max_receives)),
            QueueBackend::Sqs { media_queue_url, embed_queue_url, endpoint_url } => {
                let routes = vec![
                    ("media.".to_owned(), media_queue_url.clone()),
                    ("embed.".to_owned(), embed_queue_url.clone()),
                ];
                // The in-process worker polls the media queue; embeddings are
                // consumed by their own function through its event source mapping.
                Arc::new(SqsJobQueue::new(
                    sqs_client(aws_config().await, endpoint_url.as_deref()),
                    routes,
                    media_queue_url.clone(),
                ))
            }
        };
        let kv: Arc<dyn KeyValueStore> = match &config.kv {
            KvBackend::Postgres => Arc::new(PgKeyValueStore::new(pool.clone())),
            KvBackend::DynamoDb { table, endpoint_url } => Arc::new(DynamoKeyValueStore::new(
                dynamodb_client(aws_config().await, endpoint_url.as_deref()),
                table.clone(),
            )),
        };
        let dimension = match &config.embedder.backend {
            EmbedderBackend::Local { .. } => DEFAULT_DIMENSION,
            EmbedderBackend::OpenAi(openai) => openai.dimensions as u64,
        };
        let vectors = vector_index_from_config(&config.vectors, &pool, dimension).await?;
        Ok(Self {
            metrics: Arc::new(RequestMetrics::new(&config.metrics_export)),
            kv,
            discovery: Arc::new(Discovery::new(vectors, config.embedder.clone())),
            objects,
            local_objects,
            queue,
            db: pool,
            tokens: Arc::new(tokens),
            config: Arc::new(config),
        })
    }

    pub async fn from_env() -> anyhow::Result<Self> {
        Self::from_config(Config::from_env()?).await
    }
}

/// A route family: the unit a serverless function deploys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Auth,
    Artists,
    Artworks,
    Taxonomy,
    Interactions,
    Media,
    Search,
    System,
}

impl Family {
    pub const ALL: [Family; 8] = [
        Family::Auth,
        Family::Artists,
        Family::Artworks,
        Family::Taxonomy,
        Family::Interactions,
        Family::Media,
        Family::Search,
        Family::System,
    ];

    fn routes(self) -> OpenApiRouter<AppContext> {
        match self {
            Family::Auth => crate::auth::routes::router(),
            Family::Artists => crate::catalog::artists::router(),
            Family::Artworks => crate::catalog::artworks::routes::router(),
            Family::Taxonomy => crate::catalog::taxonomy::router(),
            Family::Interactions => crate::feed::router(),
            Family::Media => crate::media::router(),
            Family::Search => crate::search::router(),
            Family::System => crate::system::router(),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Atelier API", description = "Discover, list and buy original art and editions."),
    modifiers(&BearerAuth),
    // Schemas only query parameters refer to: utoipa-axum collects the
    // schemas of bodies and responses, not of `IntoParams` fields.
    components(schemas(crate::catalog::artworks::store::Sort)),
    tags(
        (name = "auth", description = "Accounts, sessions and tokens"),
        (name = "artists", description = "Artist profiles and follows"),
        (name = "artworks", description = "The artwork catalog"),
        (name = "taxonomy", description = "Categories and tags"),
        (name = "interactions", description = "Views, likes, saves: the interaction memory"),
        (name = "media", description = "Image uploads and their processing"),
        (name = "search", description = "Keyword, semantic and hybrid search"),
        (name = "recommendations", description = "Personal recommendations and taste preferences"),
        (name = "moderation", description = "Review of possible copies of other artists' work"),
        (name = "system", description = "Health and API description"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The OpenAPI document of every family, generated from the handlers themselves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    OpenApiRouter::<AppContext>::with_openapi(ApiDoc::openapi()).merge(all_families()).into_openapi()
}

/// Unknown paths under `/api` are problem documents even where a web site
/// serves everything else.
fn finish(router: OpenApiRouter<AppContext>, ctx: AppContext, site: Option<Router>) -> Router {
    let max_body = ctx.config.max_body_bytes;
    let metrics = ctx.metrics.clone();
    let (router, _) = router.split_for_parts();
    let router = router
        .merge(crate::platform::local_objects::routes(ctx.local_objects.clone()))
        .route("/api/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        // Route middleware (rate limits, idempotency) reads the context from
        // here: the family routers are built before any context exists.
        .layer(Extension(ctx.clone()))
        .with_state(ctx);
    let router = match site {
        Some(site) => router.fallback_service(site),
        None => router.fallback(not_found),
    };
    with_common_layers(router, max_body, metrics)
}

/// One family's router, as a serverless function serves it.
pub fn family_router(family: Family, ctx: AppContext) -> Router {
    finish(family.routes(), ctx, None)
}

fn all_families() -> OpenApiRouter<AppContext> {
    Family::ALL.into_iter().fold(OpenApiRouter::new(), |router, family| router.merge(family.routes()))
}

/// Every family on one router.
pub fn full_router(ctx: AppContext) -> Router {
    finish(all_families(), ctx, None)
}

/// Every family plus the web site, as the local server serves them.
pub fn full_router_with_site(ctx: AppContext, site: Router) -> Router {
    finish(all_families(), ctx, Some(site))
}
