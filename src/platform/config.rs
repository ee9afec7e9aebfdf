//! Typed configuration, read only from the environment. Every variable is listed
//! in `.env.example`; anything unset falls back to the embedded default so that a
//! bare `atelier serve` works on a developer machine.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{Context, bail};

pub use super::http::metrics::MetricsExport;
use super::kv::TokenBucket;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub environment: Environment,
    /// May carry a password.
    pub database_url: Secret,
    pub database_max_connections: u32,
    pub bind_addr: SocketAddr,
    pub web_dir: PathBuf,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    pub auth: AuthConfig,
    /// Bearer token Vercel Cron presents to `/api/cron/*`; unset disables those routes.
    pub cron_secret: Option<Secret>,
    /// How often the local server recomputes the curated feed.
    pub curate_interval: Duration,
    /// How often the local server rolls up artist insights; zero where
    /// something else runs the rollup.
    pub insights_rollup_interval: Duration,
    /// Weight of the keyword side in hybrid search, the semantic side weighing 1.
    pub search_keyword_weight: f32,
    /// How long search queries (with who asked them) are kept.
    pub search_history_retention: Duration,
    pub media: MediaConfig,
    pub embedder: EmbedderConfig,
    pub storage: StorageConfig,
    pub queue: QueueConfig,
    pub vectors: VectorIndexConfig,
    pub metrics_export: MetricsExport,
    /// Bearer token `GET /api/metrics` requires when set.
    pub metrics_token: Option<Secret>,
    pub kv: KvBackend,
    pub rate_limits: RateLimits,
    pub payments: PaymentsConfig,
    pub commerce: CommerceConfig,
    pub realtime: RealtimeConfig,
    /// Set where API Gateway's WebSocket API holds the live connections.
    pub sockets: Option<SocketsConfig>,
    /// The site's own address, for links in mail and the pages a payments
    /// provider sends people back to.
    pub site_url: String,
    pub mail: MailConfig,
}

/// How mail leaves, and what it says it is from.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub backend: MailBackend,
    /// The `From` mailbox, e.g. `Atelier <hello@atelier.example>`.
    pub from: String,
    /// The site's name as mail shows it.
    pub site_name: String,
    /// Signs the links in mail that act without signing in (one-click
    /// unsubscribe), so they cannot be forged for someone else.
    pub link_secret: Secret,
    /// How long a notification waits before it is mailed: one read in the
    /// app meanwhile is not mailed, and several are mailed together.
    pub notification_delay: Duration,
    /// How often the local server mails the notifications that are due.
    pub notification_interval: Duration,
}

#[derive(Clone, Debug)]
pub enum MailBackend {
    /// The embedded mailbox: kept in the database, listed by the development mail page.
    Local,
    /// An SMTP relay; the URL may carry the password.
    Smtp { url: Secret },
    /// Amazon SES's v2 API.
    Ses { endpoint_url: Option<String> },
}

impl MailConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>, environment: Environment) -> anyhow::Result<Self> {
        let backend = match get("MAIL").as_deref() {
            None | Some("local") => MailBackend::Local,
            Some("smtp") => {
                MailBackend::Smtp { url: Secret::new(get("SMTP_URL").context("MAIL=smtp needs SMTP_URL")?) }
            }
            Some("ses") => MailBackend::Ses { endpoint_url: get("SES_ENDPOINT_URL") },
            Some(other) => bail!("MAIL must be local, smtp or ses, not {other:?}"),
        };
        if environment == Environment::Production && matches!(backend, MailBackend::Local) {
            // Nobody would receive their verification or reset mail.
            bail!("MAIL=smtp or MAIL=ses is required in production: the local mailbox sends nothing");
        }
        let link_secret = match get("MAIL_LINK_SECRET") {
            Some(secret) => Secret::new(secret),
            None if environment == Environment::Production => {
                bail!("MAIL_LINK_SECRET is required in production: it signs the unsubscribe links")
            }
            // Links signed by one development process work for that process.
            None => Secret::new(format!("{:x}", rand::random::<u128>())),
        };
        Ok(Self {
            backend,
            from: get("MAIL_FROM").unwrap_or_else(|| "Atelier <mail@atelier.localhost>".to_owned()),
            site_name: get("SITE_NAME").unwrap_or_else(|| "Atelier".to_owned()),
            link_secret,
            notification_delay: Duration::from_secs(parse_or(get, "NOTIFICATION_MAIL_DELAY_SECS", 600)?),
            notification_interval: Duration::from_secs(parse_or(get, "NOTIFICATION_MAIL_INTERVAL_SECS", 60)?.max(1)),
        })
    }
}

/// API Gateway's WebSocket API: where its connections are recorded and how to
/// post to them.
#[derive(Clone, Debug)]
pub struct SocketsConfig {
    /// The connection-management endpoint,
    /// `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`.
    pub endpoint_url: String,
    pub registry: SocketRegistryBackend,
}

#[derive(Clone, Debug)]
pub enum SocketRegistryBackend {
    Postgres,
    DynamoDb { table: String, endpoint_url: Option<String> },
}

impl SocketsConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<Self>> {
        let Some(endpoint_url) = get("SOCKET_GATEWAY_URL") else { return Ok(None) };
        if !endpoint_url.starts_with("https://") && !endpoint_url.starts_with("http://") {
            bail!("SOCKET_GATEWAY_URL must be an http(s) URL, not {endpoint_url:?}");
        }
        let registry = match get("SOCKET_REGISTRY").as_deref() {
            None | Some("postgres") => SocketRegistryBackend::Postgres,
            Some("dynamodb") => SocketRegistryBackend::DynamoDb {
                table: get("SOCKET_TABLE").context("SOCKET_REGISTRY=dynamodb needs SOCKET_TABLE")?,
                endpoint_url: get("DYNAMODB_ENDPOINT_URL"),
            },
            Some(other) => bail!("SOCKET_REGISTRY must be postgres or dynamodb, not {other:?}"),
        };
        Ok(Some(Self { endpoint_url: endpoint_url.trim_end_matches('/').to_owned(), registry }))
    }
}

/// Live delivery.
#[derive(Clone, Copy, Debug)]
pub struct RealtimeConfig {
    /// How long one Server-Sent Events answer streams before it ends and the
    /// client reconnects: under the host's limit on a function's duration.
    pub stream_for: Duration,
    /// How long a live connection's ticket stays valid.
    pub ticket_lifetime: Duration,
}

impl RealtimeConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let seconds: u64 = parse_or(get, "REALTIME_STREAM_SECONDS", 25)?;
        if !(1..=3600).contains(&seconds) {
            bail!("REALTIME_STREAM_SECONDS must be between 1 and 3600, not {seconds}");
        }
        let ticket: u64 = parse_or(get, "REALTIME_TICKET_SECONDS", 30)?;
        if !(1..=300).contains(&ticket) {
            bail!("REALTIME_TICKET_SECONDS must be between 1 and 300, not {ticket}");
        }
        Ok(Self { stream_for: Duration::from_secs(seconds), ticket_lifetime: Duration::from_secs(ticket) })
    }
}

/// Which payments provider takes payments, and the secrets its events are
/// signed with.
#[derive(Clone, Debug)]
pub struct PaymentsConfig {
    pub backend: PaymentsBackend,
    /// Webhook signatures are accepted from any of these (several while one
    /// is rotated); the sandbox signs with the first. Never empty.
    pub webhook_secrets: Vec<Secret>,
}

#[derive(Clone, Debug)]
pub enum PaymentsBackend {
    /// The embedded provider: test cards, events delivered locally.
    Sandbox,
    Stripe(StripeConfig),
}

/// Stripe's REST API, reached with the platform account's keys.
#[derive(Clone, Debug)]
pub struct StripeConfig {
    /// `sk_…` (or a restricted `rk_…` key): every server-side call carries it.
    pub secret_key: Secret,
    /// `pk_…`: handed to the buyer's browser, which confirms payments with it.
    pub publishable_key: String,
    /// Where the API is, without a trailing slash; only tests point it elsewhere.
    pub api_base: String,
}

/// The marketplace's terms and the order process's deadlines.
#[derive(Clone, Debug)]
pub struct CommerceConfig {
    /// The platform's commission on the works' price, in basis points.
    pub commission_bps: u32,
    /// Payment processing fees passed to the artist, in basis points of the total.
    pub fee_bps: u32,
    /// How long a checkout holds the stock while the buyer pays.
    pub hold_for: Duration,
    /// How long an artist has to accept a paid order; within the seven days a
    /// card authorisation lasts, so an accepted order can always be captured.
    pub accept_within: Duration,
    pub ship_within: Duration,
    /// After shipping, an order counts as received when the buyer has not said so.
    pub auto_receive_after: Duration,
    /// How long a received order waits before it completes and the artist is paid:
    /// the buyer's window to report a problem.
    pub payout_hold: Duration,
    /// How long an offer (or counter-offer) stands before it expires.
    pub offer_expires_after: Duration,
    /// How often the local server runs the order timers.
    pub timer_interval: Duration,
    /// How long after an order completes its buyer and artist may review
    /// each other; what either wrote is published when it ends, if not before.
    pub review_window: Duration,
}

impl PaymentsConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>, environment: Environment) -> anyhow::Result<Self> {
        let secrets: Vec<Secret> = get("PAYMENTS_WEBHOOK_SECRETS")
            .map(|raw| raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Secret::new).collect())
            .unwrap_or_default();
        let backend = match get("PAYMENTS").as_deref() {
            None | Some("sandbox") => PaymentsBackend::Sandbox,
            Some("stripe") => PaymentsBackend::Stripe(StripeConfig::from_lookup(get)?),
            Some(other) => bail!("PAYMENTS must be sandbox or stripe, not {other:?}"),
        };
        if environment == Environment::Production && matches!(backend, PaymentsBackend::Sandbox) {
            // The sandbox authorises test cards: orders would be paid with money that does not exist.
            bail!("PAYMENTS=stripe is required in production: the sandbox takes no real money");
        }
        let webhook_secrets = match (&backend, secrets.is_empty()) {
            (_, false) => secrets,
            // The sandbox signs and checks in the same process: a key of its own will do.
            (PaymentsBackend::Sandbox, true) => vec![Secret::new(format!("whsec_{}", uuid::Uuid::new_v4().simple()))],
            // Stripe signs with the endpoint's secret from its dashboard; nothing else would verify.
            (PaymentsBackend::Stripe(_), true) => bail!("PAYMENTS_WEBHOOK_SECRETS is required with PAYMENTS=stripe"),
        };
        Ok(Self { backend, webhook_secrets })
    }
}

impl StripeConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let api_base = get("STRIPE_API_BASE").unwrap_or_else(|| "https://api.stripe.com".to_owned());
        let parsed =
            url::Url::parse(&api_base).with_context(|| format!("STRIPE_API_BASE={api_base:?} is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            bail!("STRIPE_API_BASE must be an http(s) URL, not {api_base:?}");
        }
        Ok(Self {
            secret_key: Secret::new(
                get("STRIPE_SECRET_KEY").context("STRIPE_SECRET_KEY is required with PAYMENTS=stripe")?,
            ),
            publishable_key: get("STRIPE_PUBLISHABLE_KEY")
                .context("STRIPE_PUBLISHABLE_KEY is required with PAYMENTS=stripe")?,
            api_base: api_base.trim_end_matches('/').to_owned(),
        })
    }
}

impl CommerceConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        const HOUR: u64 = 3600;
        const DAY: u64 = 24 * HOUR;
        let commission_bps: u32 = parse_or(get, "COMMISSION_BPS", 1500)?;
        let fee_bps: u32 = parse_or(get, "PAYMENT_FEE_BPS", 0)?;
        if commission_bps + fee_bps > 10_000 {
            bail!("COMMISSION_BPS and PAYMENT_FEE_BPS together cannot exceed 10000 (all of the price)");
        }
        let accept_within = Duration::from_secs(parse_or::<u64>(get, "ORDER_ACCEPT_HOURS", 72)? * HOUR);
        // Card authorisations lapse after seven days; a day's margin for the capture itself.
        if accept_within > Duration::from_secs(6 * DAY) {
            bail!("ORDER_ACCEPT_HOURS must be at most 144: a card authorisation lasts seven days");
        }
        let review_days: u64 = parse_or(get, "REVIEW_WINDOW_DAYS", 14)?;
        if !(1..=365).contains(&review_days) {
            bail!("REVIEW_WINDOW_DAYS must be between 1 and 365, not {review_days}");
        }
        Ok(Self {
            commission_bps,
            fee_bps,
            hold_for: Duration::from_secs(parse_or::<u64>(get, "CHECKOUT_HOLD_MINUTES", 15)? * 60),
            accept_within,
            ship_within: Duration::from_secs(parse_or::<u64>(get, "ORDER_SHIP_DAYS", 14)? * DAY),
            auto_receive_after: Duration::from_secs(parse_or::<u64>(get, "ORDER_AUTO_RECEIVE_DAYS", 14)? * DAY),
            payout_hold: Duration::from_secs(parse_or::<u64>(get, "PAYOUT_HOLD_HOURS", 48)? * HOUR),
            offer_expires_after: Duration::from_secs(parse_or::<u64>(get, "OFFER_EXPIRES_HOURS", 72)?.max(1) * HOUR),
            timer_interval: Duration::from_secs(parse_or(get, "COMMERCE_TIMER_INTERVAL_SECS", 60)?),
            review_window: Duration::from_secs(review_days * DAY),
        })
    }
}

/// Where the key-value port keeps its entries.
#[derive(Clone, Debug)]
pub enum KvBackend {
    /// The `kv_entries` table in `DATABASE_URL`.
    Postgres,
    /// A DynamoDB table with partition key `pk` (String) and TTL on
    /// `expires_at`; credentials and region come from the AWS default chain.
    DynamoDb { table: String, endpoint_url: Option<String> },
}

/// Request budgets of the routes that are costly or attractive to abuse
/// (see `platform::http::rate_limit` for how they are spent).
#[derive(Clone, Copy, Debug)]
pub struct RateLimits {
    pub auth: Budget,
    pub uploads: Budget,
    pub search: Budget,
    pub interactions: Budget,
    pub feed: Budget,
    pub messages: Budget,
    /// How many signed-in people one address is allowed for: the address's
    /// signed-in bucket is this many users' buckets deep.
    pub users_per_address: u32,
}

/// One group's buckets: of an address, and of a signed-in user.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub address: TokenBucket,
    pub user: TokenBucket,
}

impl RateLimits {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let bucket = |name: &str, default: &str| -> anyhow::Result<TokenBucket> {
            let raw = get(name).unwrap_or_else(|| default.to_owned());
            raw.parse().map_err(|e| anyhow::anyhow!("{name}={raw:?} is not valid: {e}"))
        };
        let budget = |group: &str, address: &str, user: &str| -> anyhow::Result<Budget> {
            Ok(Budget {
                address: bucket(&format!("RATE_LIMIT_{group}_IP"), address)?,
                user: bucket(&format!("RATE_LIMIT_{group}_USER"), user)?,
            })
        };
        Ok(Self {
            auth: budget("AUTH", "30,0.5", "10,0.1")?,
            uploads: budget("UPLOADS", "30,0.5", "20,0.2")?,
            search: budget("SEARCH", "30,2", "30,2")?,
            interactions: budget("INTERACTIONS", "120,2", "60,1")?,
            feed: budget("FEED", "60,1", "30,0.5")?,
            messages: budget("MESSAGES", "60,1", "20,0.2")?,
            users_per_address: parse_or(get, "RATE_LIMIT_USERS_PER_ADDRESS", 10)?,
        })
    }
}

/// A value that must never reach a log line: its `Debug` prints a mark, and
/// reading it takes a deliberate `expose()`. Every secret in the configuration
/// is one, so deriving `Debug` on the structs that hold them stays safe.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Limits of the upload flow and the image pipeline.
#[derive(Clone, Debug)]
pub struct MediaConfig {
    pub max_upload_bytes: u64,
    /// Total bytes of originals one artist may keep (rejected uploads excluded).
    pub artist_quota_bytes: u64,
    /// Images above this many pixels are refused from their header, before decoding.
    pub max_pixels: u64,
    /// Wall-clock budget for processing one image.
    pub process_timeout: Duration,
    /// Megabytes of memory image processing may use at once in one process;
    /// each job reserves its estimate before decoding.
    pub memory_budget_mb: u32,
    /// How long a presigned upload form stays usable.
    pub upload_url_ttl: Duration,
    /// Hamming distance up to which two perceptual hashes count as the same picture.
    pub duplicate_distance: u32,
}

/// Which text embedder to use, and how to reach it.
#[derive(Clone, Debug)]
pub struct EmbedderConfig {
    pub backend: EmbedderBackend,
    /// Texts per model call (local) or per HTTP request (OpenAI-compatible).
    pub batch_size: usize,
}

#[derive(Clone, Debug)]
pub enum EmbedderBackend {
    /// all-MiniLM-L6-v2 in process; `model_dir` holds the files
    /// `scripts/fetch-model` installs.
    Local {
        model_dir: PathBuf,
    },
    OpenAi(OpenAiEmbedderConfig),
}

#[derive(Clone, Debug)]
pub struct OpenAiEmbedderConfig {
    /// Base URL; requests go to `{api_url}/v1/embeddings`.
    pub api_url: String,
    pub model: String,
    pub dimensions: usize,
    /// Also ask the server for `dimensions` (models that can shorten their
    /// vectors, such as text-embedding-3-*); others reject the parameter.
    pub send_dimensions: bool,
    pub api_key: Option<Secret>,
    pub timeout: Duration,
    /// Further attempts after a throttled, failed or unreachable request.
    pub max_retries: u32,
}

impl EmbedderConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let backend = match get("EMBEDDER").as_deref() {
            None | Some("local") => EmbedderBackend::Local { model_dir: default_model_dir(get) },
            Some("openai") => {
                let dimensions: usize = get("EMBEDDING_DIMENSIONS")
                    .context("EMBEDDING_DIMENSIONS is required with EMBEDDER=openai")?
                    .trim()
                    .parse()
                    .context("EMBEDDING_DIMENSIONS must be a positive integer")?;
                if dimensions == 0 {
                    bail!("EMBEDDING_DIMENSIONS must be at least 1");
                }
                EmbedderBackend::OpenAi(OpenAiEmbedderConfig {
                    api_url: get("EMBEDDING_API_URL").unwrap_or_else(|| "https://api.openai.com".to_owned()),
                    model: get("EMBEDDING_MODEL").context("EMBEDDING_MODEL is required with EMBEDDER=openai")?,
                    dimensions,
                    send_dimensions: parse_or(get, "EMBEDDING_SEND_DIMENSIONS", false)?,
                    api_key: get("EMBEDDING_API_KEY").map(Secret::new),
                    timeout: Duration::from_secs(parse_or(get, "EMBEDDING_TIMEOUT_SECS", 30)?),
                    max_retries: parse_or(get, "EMBEDDING_MAX_RETRIES", 4)?,
                })
            }
            Some(other) => bail!("EMBEDDER must be local or openai, not {other:?}"),
        };
        // On two CPU cores the local model is fastest with small batches
        // (measured: 51 texts/s at 8, 41 at 32); a remote API is cheaper to
        // call with fewer, larger requests.
        let default_batch = match backend {
            EmbedderBackend::Local { .. } => 8,
            EmbedderBackend::OpenAi(_) => 64,
        };
        let batch_size: usize = parse_or(get, "EMBEDDING_BATCH_SIZE", default_batch)?;
        if batch_size == 0 {
            bail!("EMBEDDING_BATCH_SIZE must be at least 1");
        }
        Ok(Self { backend, batch_size })
    }
}

/// `$ATELIER_MODEL_DIR`, else a per-user cache shared by every clone (so CI
/// and worktrees download the weights once), else `.data/models/...` where
/// there is no home directory.
pub fn default_model_dir(get: &impl Fn(&str) -> Option<String>) -> PathBuf {
    const MODEL: &str = "all-MiniLM-L6-v2";
    if let Some(dir) = get("ATELIER_MODEL_DIR") {
        PathBuf::from(dir)
    } else if let Some(home) = get("HOME") {
        PathBuf::from(home).join(".cache/atelier-models").join(MODEL)
    } else {
        PathBuf::from(".data/models").join(MODEL)
    }
}

#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// Files under `dir`, served through URLs signed with `signing_secret`
    /// (random per process when unset). `public_base_url` prefixes those URLs;
    /// empty means same-origin paths.
    Local { dir: PathBuf, signing_secret: Option<Secret>, public_base_url: String },
    /// An S3 bucket; credentials and region come from the AWS default chain.
    S3 { bucket: String, endpoint_url: Option<String>, force_path_style: bool },
}

#[derive(Clone, Debug)]
pub struct QueueConfig {
    pub backend: QueueBackend,
    /// Deliveries after which a failing job is dead-lettered.
    pub max_receives: i32,
    /// How long a received job stays hidden from other workers; longer than
    /// the slowest job.
    pub visibility_timeout: Duration,
    /// Jobs the local server's worker runs at once (0 disables the worker).
    pub worker_concurrency: usize,
}

#[derive(Clone, Debug)]
pub enum QueueBackend {
    Postgres,
    /// One queue per job family, chosen by the kind's prefix (`media.`,
    /// `embed.`, and `notify.` with `realtime.` sharing one); credentials and
    /// region come from the AWS default chain.
    Sqs {
        media_queue_url: String,
        embed_queue_url: String,
        /// Notification fan-outs and live deliveries (`notify.`, `realtime.`).
        realtime_queue_url: String,
        endpoint_url: Option<String>,
    },
}

/// Where artwork embeddings are indexed. The vector size is the embedder's, so
/// it is not configured here.
#[derive(Clone, Debug)]
pub enum VectorIndexConfig {
    /// The embedded exact index, persisted in `DATABASE_URL`.
    Postgres,
    /// A Qdrant server's gRPC endpoint; the collection is created if missing.
    Qdrant { url: String, api_key: Option<Secret>, collection: String },
}

#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub issuer: String,
    pub audience: String,
    /// PKCS#8 PEM of the Ed25519 key that signs access tokens. `None` means a
    /// throwaway key is generated at start (development only).
    pub signing_key_pem: Option<Secret>,
    pub access_token_ttl: Duration,
    pub refresh_idle_ttl: Duration,
    pub refresh_absolute_ttl: Duration,
    /// How many proxies in front of the local server append to
    /// `X-Forwarded-For`: the client address is that many hops from the right.
    /// 0 reads the socket's peer. Vercel and an ALB count as one at least.
    pub trusted_proxy_hops: usize,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads through `lookup` so tests can build a config without touching the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let environment = match get("APP_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => bail!("APP_ENV must be development or production, not {other:?}"),
        };
        let database_url = Secret::new(get("DATABASE_URL").context("DATABASE_URL is not set")?);
        let signing_key_pem = match (get("JWT_SIGNING_KEY"), get("JWT_SIGNING_KEY_FILE")) {
            (Some(pem), _) => Some(Secret::new(pem)),
            (None, Some(path)) => Some(Secret::new(
                std::fs::read_to_string(&path).with_context(|| format!("reading JWT_SIGNING_KEY_FILE {path}"))?,
            )),
            (None, None) => None,
        };
        if environment == Environment::Production && signing_key_pem.is_none() {
            bail!("JWT_SIGNING_KEY or JWT_SIGNING_KEY_FILE is required in production");
        }
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => bail!("LOG_FORMAT must be json or pretty, not {other:?}"),
        };
        Ok(Self {
            environment,
            database_url,
            database_max_connections: parse_or(&get, "DATABASE_MAX_CONNECTIONS", 10)?,
            bind_addr: parse_or(&get, "BIND_ADDR", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            web_dir: get("WEB_DIR").map_or_else(|| PathBuf::from("web/out"), PathBuf::from),
            log_format,
            max_body_bytes: parse_or(&get, "MAX_BODY_BYTES", 1024 * 1024)?,
            auth: AuthConfig {
                issuer: get("JWT_ISSUER").unwrap_or_else(|| "atelier".to_owned()),
                audience: get("JWT_AUDIENCE").unwrap_or_else(|| "atelier-api".to_owned()),
                signing_key_pem,
                access_token_ttl: Duration::from_secs(parse_or(&get, "ACCESS_TOKEN_TTL_SECS", 900)?),
                refresh_idle_ttl: Duration::from_secs(parse_or(&get, "REFRESH_IDLE_TTL_SECS", 7 * 24 * 3600)?),
                refresh_absolute_ttl: Duration::from_secs(parse_or(&get, "REFRESH_ABSOLUTE_TTL_SECS", 30 * 24 * 3600)?),
                trusted_proxy_hops: parse_or(&get, "TRUSTED_PROXY_HOPS", 0)?,
            },
            cron_secret: get("CRON_SECRET").map(Secret::new),
            metrics_export: MetricsExport::from_lookup(get)?,
            metrics_token: get("METRICS_TOKEN").map(Secret::new),
            curate_interval: Duration::from_secs(parse_or(&get, "FEED_CURATE_INTERVAL_SECS", 900)?),
            insights_rollup_interval: Duration::from_secs(parse_or(&get, "INSIGHTS_ROLLUP_INTERVAL_SECS", 900)?),
            search_keyword_weight: parse_or(&get, "SEARCH_KEYWORD_WEIGHT", 0.5)?,
            search_history_retention: Duration::from_secs(
                parse_or::<u64>(&get, "SEARCH_HISTORY_RETENTION_DAYS", 90)? * 24 * 3600,
            ),
            media: MediaConfig {
                max_upload_bytes: parse_or(&get, "MAX_UPLOAD_BYTES", 50 * 1024 * 1024)?,
                artist_quota_bytes: parse_or(&get, "ARTIST_UPLOAD_QUOTA_BYTES", 2 * 1024 * 1024 * 1024)?,
                max_pixels: parse_or(&get, "MAX_IMAGE_PIXELS", 100_000_000)?,
                process_timeout: Duration::from_secs(parse_or(&get, "IMAGE_PROCESS_TIMEOUT_SECS", 60)?),
                memory_budget_mb: parse_or(&get, "IMAGE_MEMORY_BUDGET_MB", 1024)?,
                upload_url_ttl: Duration::from_secs(parse_or(&get, "UPLOAD_URL_TTL_SECS", 900)?),
                duplicate_distance: parse_or(&get, "DUPLICATE_MAX_DISTANCE", 12)?,
            },
            embedder: EmbedderConfig::from_lookup(&get)?,
            storage: match get("OBJECT_STORE").as_deref() {
                None | Some("local") => StorageConfig::Local {
                    dir: get("BLOB_DIR").map_or_else(|| PathBuf::from(".data/blobs"), PathBuf::from),
                    signing_secret: get("BLOB_SIGNING_SECRET").map(Secret::new),
                    public_base_url: get("PUBLIC_BASE_URL").unwrap_or_default(),
                },
                Some("s3") => StorageConfig::S3 {
                    bucket: get("S3_BUCKET").context("OBJECT_STORE=s3 needs S3_BUCKET")?,
                    endpoint_url: get("S3_ENDPOINT_URL"),
                    force_path_style: parse_or(&get, "S3_FORCE_PATH_STYLE", false)?,
                },
                Some(other) => bail!("OBJECT_STORE must be local or s3, not {other:?}"),
            },
            queue: QueueConfig {
                backend: match get("QUEUE_BACKEND").as_deref() {
                    None | Some("postgres") => QueueBackend::Postgres,
                    Some("sqs") => QueueBackend::Sqs {
                        media_queue_url: get("SQS_MEDIA_QUEUE_URL")
                            .context("QUEUE_BACKEND=sqs needs SQS_MEDIA_QUEUE_URL")?,
                        embed_queue_url: get("SQS_EMBED_QUEUE_URL")
                            .context("QUEUE_BACKEND=sqs needs SQS_EMBED_QUEUE_URL")?,
                        realtime_queue_url: get("SQS_REALTIME_QUEUE_URL")
                            .context("QUEUE_BACKEND=sqs needs SQS_REALTIME_QUEUE_URL")?,
                        endpoint_url: get("SQS_ENDPOINT_URL"),
                    },
                    Some(other) => bail!("QUEUE_BACKEND must be postgres or sqs, not {other:?}"),
                },
                max_receives: parse_or(&get, "JOB_MAX_RECEIVES", 5)?,
                visibility_timeout: Duration::from_secs(parse_or(&get, "JOB_VISIBILITY_TIMEOUT_SECS", 300)?),
                worker_concurrency: parse_or(&get, "WORKER_CONCURRENCY", 2)?,
            },
            vectors: match get("VECTOR_INDEX").as_deref() {
                None | Some("postgres") => VectorIndexConfig::Postgres,
                Some("qdrant") => VectorIndexConfig::Qdrant {
                    url: get("QDRANT_URL").context("VECTOR_INDEX=qdrant needs QDRANT_URL")?,
                    api_key: get("QDRANT_API_KEY").map(Secret::new),
                    collection: get("QDRANT_COLLECTION").unwrap_or_else(|| "artworks".to_owned()),
                },
                Some(other) => bail!("VECTOR_INDEX must be postgres or qdrant, not {other:?}"),
            },
            kv: match get("KV_BACKEND").as_deref() {
                None | Some("postgres") => KvBackend::Postgres,
                Some("dynamodb") => KvBackend::DynamoDb {
                    table: get("DYNAMODB_TABLE").context("KV_BACKEND=dynamodb needs DYNAMODB_TABLE")?,
                    endpoint_url: get("DYNAMODB_ENDPOINT_URL"),
                },
                Some(other) => bail!("KV_BACKEND must be postgres or dynamodb, not {other:?}"),
            },
            rate_limits: RateLimits::from_lookup(&get)?,
            payments: PaymentsConfig::from_lookup(&get, environment)?,
            commerce: CommerceConfig::from_lookup(&get)?,
            realtime: RealtimeConfig::from_lookup(&get)?,
            sockets: SocketsConfig::from_lookup(&get)?,
            site_url: get("SITE_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned())
                .trim_end_matches('/')
                .to_owned(),
            mail: MailConfig::from_lookup(&get, environment)?,
        })
    }
}

fn parse_or<T>(get: &impl Fn(&str) -> Option<String>, name: &str, default: T) -> anyhow::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    match get(name) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|e| anyhow::anyhow!("{name}={raw:?} is not valid: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_secret_reaches_the_debug_output() {
        let secrets = [
            ("DATABASE_URL", "postgres://app:db-password-1@db/atelier"),
            ("JWT_SIGNING_KEY", "-----BEGIN PRIVATE KEY-----signing-key-2"),
            ("CRON_SECRET", "cron-secret-3"),
            ("METRICS_TOKEN", "metrics-token-4"),
            ("BLOB_SIGNING_SECRET", "blob-secret-5"),
            ("EMBEDDING_API_KEY", "embedding-key-6"),
            ("QDRANT_API_KEY", "qdrant-key-7"),
            ("PAYMENTS_WEBHOOK_SECRETS", "whsec_webhook-9"),
            ("STRIPE_SECRET_KEY", "sk_test_stripe-10"),
            ("SMTP_URL", "smtps://mailer:smtp-password-11@smtp.example"),
            ("MAIL_LINK_SECRET", "mail-link-secret-12"),
        ];
        let others = [
            ("PAYMENTS", "stripe"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_publishable"),
            ("EMBEDDER", "openai"),
            ("EMBEDDING_DIMENSIONS", "8"),
            ("EMBEDDING_MODEL", "m"),
            ("VECTOR_INDEX", "qdrant"),
            ("QDRANT_URL", "http://127.0.0.1:6334"),
            ("MAIL", "smtp"),
        ];
        let config = Config::from_lookup(|name| {
            secrets.iter().chain(&others).find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
        })
        .unwrap();
        let printed = format!("{config:?}");
        for (name, value) in secrets {
            assert!(!printed.contains(value), "{name} reached the debug output");
        }
        assert_eq!(config.database_url.expose(), secrets[0].1, "the value itself is kept");
    }

    fn config(settings: &[(&str, &str)]) -> anyhow::Result<Config> {
        Config::from_lookup(|name| {
            let defaults = [("DATABASE_URL", "postgres://app@db/atelier"), ("JWT_SIGNING_KEY", "pem")];
            settings.iter().chain(&defaults).find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
        })
    }

    const STRIPE: [(&str, &str); 4] = [
        ("PAYMENTS", "stripe"),
        ("STRIPE_SECRET_KEY", "sk_test_1"),
        ("STRIPE_PUBLISHABLE_KEY", "pk_test_1"),
        ("PAYMENTS_WEBHOOK_SECRETS", "whsec_1, whsec_2"),
    ];

    fn error(settings: &[(&str, &str)]) -> String {
        format!("{:#}", config(settings).expect_err("the configuration is refused"))
    }

    #[test]
    fn stripe_takes_its_keys_and_the_webhook_secrets_from_the_environment() {
        let config = config(&STRIPE).unwrap();
        let PaymentsBackend::Stripe(stripe) = &config.payments.backend else { panic!("not Stripe") };
        assert_eq!(stripe.secret_key.expose(), "sk_test_1");
        assert_eq!(stripe.publishable_key, "pk_test_1");
        assert_eq!(stripe.api_base, "https://api.stripe.com");
        let secrets: Vec<&str> = config.payments.webhook_secrets.iter().map(Secret::expose).collect();
        assert_eq!(secrets, ["whsec_1", "whsec_2"]);

        let with_base = [STRIPE.as_slice(), &[("STRIPE_API_BASE", "http://127.0.0.1:12111/")]].concat();
        let PaymentsBackend::Stripe(stripe) = config_backend(&with_base) else { panic!("not Stripe") };
        assert_eq!(stripe.api_base, "http://127.0.0.1:12111", "the trailing slash is dropped");
    }

    fn config_backend(settings: &[(&str, &str)]) -> PaymentsBackend {
        config(settings).unwrap().payments.backend
    }

    #[test]
    fn stripe_without_a_key_or_a_webhook_secret_is_refused() {
        for missing in ["STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "PAYMENTS_WEBHOOK_SECRETS"] {
            let settings: Vec<_> = STRIPE.iter().copied().filter(|(key, _)| *key != missing).collect();
            assert!(error(&settings).contains(missing), "{missing}: {}", error(&settings));
        }
        let ftp = [STRIPE.as_slice(), &[("STRIPE_API_BASE", "ftp://stripe")]].concat();
        assert!(error(&ftp).contains("STRIPE_API_BASE"));
        assert!(error(&[("PAYMENTS", "paypal")]).contains("sandbox or stripe"));
    }

    #[test]
    fn the_review_window_is_whole_days_up_to_a_year() {
        const DAY: u64 = 86_400;
        assert_eq!(config(&[]).unwrap().commerce.review_window, Duration::from_secs(14 * DAY));
        let month = config(&[("REVIEW_WINDOW_DAYS", "30")]).unwrap();
        assert_eq!(month.commerce.review_window, Duration::from_secs(30 * DAY));
        for refused in ["0", "366", "two weeks", "-1"] {
            assert!(error(&[("REVIEW_WINDOW_DAYS", refused)]).contains("REVIEW_WINDOW_DAYS"), "{refused}");
        }
    }

    #[test]
    fn production_refuses_the_sandbox() {
        assert!(error(&[("APP_ENV", "production")]).contains("PAYMENTS=stripe"));
        assert!(error(&[("APP_ENV", "production"), ("PAYMENTS", "sandbox")]).contains("PAYMENTS=stripe"));
        let production = [STRIPE.as_slice(), &MAIL_IN_PRODUCTION, &[("APP_ENV", "production")]].concat();
        assert!(matches!(config_backend(&production), PaymentsBackend::Stripe(_)));
        assert!(matches!(config_backend(&[]), PaymentsBackend::Sandbox), "development keeps the sandbox");
    }

    const MAIL_IN_PRODUCTION: [(&str, &str); 2] = [("MAIL", "ses"), ("MAIL_LINK_SECRET", "link-secret")];

    #[test]
    fn production_mail_leaves_the_machine_and_signs_its_links_with_a_kept_secret() {
        let stripe = [STRIPE.as_slice(), &[("APP_ENV", "production")]].concat();
        assert!(error(&stripe).contains("MAIL=smtp or MAIL=ses"), "{}", error(&stripe));
        let unsigned = [stripe.as_slice(), &[("MAIL", "ses")]].concat();
        assert!(error(&unsigned).contains("MAIL_LINK_SECRET"));
        let production = config(&[stripe.as_slice(), &MAIL_IN_PRODUCTION].concat()).unwrap();
        assert!(matches!(production.mail.backend, MailBackend::Ses { endpoint_url: None }));
        assert_eq!(production.mail.link_secret.expose(), "link-secret");
        assert!(error(&[("MAIL", "smtp")]).contains("SMTP_URL"));
        assert!(error(&[("MAIL", "carrier-pigeon")]).contains("local, smtp or ses"));
        let development = config(&[("SITE_URL", "https://atelier.example/")]).unwrap();
        assert!(matches!(development.mail.backend, MailBackend::Local), "development keeps mail local");
        assert_eq!(development.site_url, "https://atelier.example", "links are joined without a double slash");
    }
}
