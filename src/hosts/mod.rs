//! The three hosts, above everything else: each builds the context once, at
//! start-up (cold starts pay for it once, not per request), and hands a router
//! or a job handler from [`crate::app`] and the capabilities to its runtime.

pub mod csp;

use std::{
    convert::Infallible,
    net::SocketAddr,
    path::Path,
    time::{Duration, SystemTime},
};

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{Html, Response},
};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::{
    compression::CompressionLayer,
    services::{ServeDir, ServeFile},
};

use crate::{
    app::{self, AppContext, Family},
    platform::{
        db,
        http::{ClientIp, client_ip_from_forwarded_for, forwarded_client},
        objects::PENDING_UPLOADS_EXPIRE_AFTER_DAYS,
        telemetry,
    },
};

/// `atelier serve`: every family, plus the built web site (or a placeholder page).
pub async fn serve_local(ctx: AppContext) -> anyhow::Result<()> {
    db::migrate(&ctx.db).await?;
    let bind = ctx.config.bind_addr;
    let media_origins = csp::media_origins(ctx.objects.as_ref()).await?;
    tracing::info!(?media_origins, "the site's pages allow media from their own origin and these");
    let site = static_site(&ctx.config.web_dir, &media_origins, csp::Payments::of(ctx.payments.name()));
    let proxy_hops = ctx.config.auth.trusted_proxy_hops;
    let (stop_worker, stopped) = tokio::sync::watch::channel(false);
    let concurrency = ctx.config.queue.worker_concurrency;
    let worker = (concurrency > 0).then(|| {
        tokio::spawn(crate::jobs::run_worker(crate::jobs::Jobs::new(ctx.clone()), concurrency, stopped.clone()))
    });
    let scheduler = tokio::spawn(run_scheduler(ctx.clone(), stopped.clone()));
    let timers = tokio::spawn(run_commerce_timers(ctx.clone(), stopped.clone()));
    let insights = (!ctx.config.insights_rollup_interval.is_zero())
        .then(|| tokio::spawn(run_insights_rollup(ctx.clone(), stopped.clone())));
    let notification_mail = tokio::spawn(run_notification_mail(ctx.clone(), stopped.clone()));
    let sandbox_events =
        ctx.sandbox_payments.clone().map(|sandbox| tokio::spawn(deliver_sandbox_events(sandbox, bind, stopped)));
    let mut app = app::full_router_with_site(ctx, site);
    if proxy_hops > 0 {
        app = app.layer(middleware::from_fn_with_state(proxy_hops, client_ip_from_forwarded_for));
    }
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(%bind, "listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    let _ = stop_worker.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    let _ = scheduler.await;
    let _ = timers.await;
    let _ = notification_mail.await;
    if let Some(insights) = insights {
        let _ = insights.await;
    }
    if let Some(delivery) = sandbox_events {
        let _ = delivery.await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// `atelier worker`: only the job worker, for running more workers than web
/// servers. Stops taking jobs on SIGTERM or Ctrl-C and finishes the running ones.
pub async fn work_local(ctx: AppContext) -> anyhow::Result<()> {
    let concurrency = ctx.config.queue.worker_concurrency.max(1);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(crate::jobs::run_worker(crate::jobs::Jobs::new(ctx), concurrency, stopped));
    tracing::info!(concurrency, "worker started");
    shutdown_signal().await;
    let _ = stop.send(true);
    worker.await?;
    tracing::info!("worker stopped");
    Ok(())
}

/// The local stand-in for scheduled functions and the bucket's lifecycle
/// rule: curates the feed, purges old search queries, sweeps stalled mail and
/// expires abandoned uploads at start and then every `curate_interval`.
async fn run_scheduler(ctx: AppContext, mut stopped: tokio::sync::watch::Receiver<bool>) {
    let interval = ctx.config.curate_interval;
    let pending_for = Duration::from_secs(PENDING_UPLOADS_EXPIRE_AFTER_DAYS * 24 * 3600);
    while !*stopped.borrow() {
        if let Err(e) = crate::feed::curation::curate(&ctx).await {
            tracing::warn!(error = %format!("{e:#}"), "curating the feed failed");
        }
        match crate::search::purge_old_queries(&ctx).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "deleted search queries past their retention"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "purging old search queries failed"),
        }
        match crate::mail::sweep(&ctx).await {
            Ok(sweep) if sweep == crate::mail::Sweep::default() => {}
            Ok(sweep) => tracing::info!(requeued = sweep.requeued, expired = sweep.expired, "swept stalled mail"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "sweeping stalled mail failed"),
        }
        if let Some(store) = &ctx.local_objects {
            match store.expire_pending(SystemTime::now() - pending_for).await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "deleted uploads nobody kept"),
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "expiring abandoned uploads failed"),
            }
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stopped.changed() => {}
        }
    }
}

/// The local stand-in for the scheduled timers function.
async fn run_commerce_timers(ctx: AppContext, mut stopped: tokio::sync::watch::Receiver<bool>) {
    while !*stopped.borrow() {
        match crate::commerce::timers::run(&ctx, chrono::Utc::now()).await {
            Ok(report) if report != Default::default() => tracing::info!(?report, "order timers ran"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "the order timers failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(ctx.config.commerce.timer_interval) => {}
            _ = stopped.changed() => {}
        }
    }
}

/// The local stand-in for the scheduled insights rollup.
async fn run_insights_rollup(ctx: AppContext, mut stopped: tokio::sync::watch::Receiver<bool>) {
    while !*stopped.borrow() {
        match crate::insights::rollup::run(&ctx, chrono::Utc::now(), &[]).await {
            Ok(report) => tracing::debug!(?report, "artist insights rolled up"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "rolling up artist insights failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(ctx.config.insights_rollup_interval) => {}
            _ = stopped.changed() => {}
        }
    }
}

/// The local stand-in for the scheduled notification mailer.
async fn run_notification_mail(ctx: AppContext, mut stopped: tokio::sync::watch::Receiver<bool>) {
    while !*stopped.borrow() {
        match crate::realtime::notifications::email::send_due(&ctx).await {
            Ok(run) => tracing::debug!(?run, "notification mail sent"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "mailing notifications failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(ctx.config.mail.notification_interval) => {}
            _ = stopped.changed() => {}
        }
    }
}

/// Posts the sandbox provider's events to this server's webhook route, as
/// Stripe posts its own: through the network, signed, retried until answered.
async fn deliver_sandbox_events(
    sandbox: std::sync::Arc<crate::platform::payments::SandboxPayments>,
    bind: SocketAddr,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let host = if bind.ip().is_unspecified() { "127.0.0.1".to_owned() } else { bind.ip().to_string() };
    let url = format!("http://{host}:{}/api/payments/webhooks/stripe", bind.port());
    let client = reqwest::Client::new();
    while !*stopped.borrow() {
        if let Err(e) = sandbox.deliver_pending(&client, &url).await {
            tracing::warn!(error = %format!("{e:#}"), "delivering sandbox payment events failed");
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stopped.changed() => {}
        }
    }
}

/// Sections of the site whose pages have a dynamic segment. Each is exported
/// once, for the id `_`, and reads the real id from the address
/// (infra/README.md), so `/<section>/<id>` is answered with
/// `<section>/_/index.html`: vercel.json's rewrites, which tests/it/hosts/infra.rs
/// holds to this list.
pub const DYNAMIC_PAGES: &[&str] = &["artworks", "artists", "collections"];

/// The headers vercel.json gives every page, so that the site runs locally
/// (and in the browser tests) under the policy it has in production; a page
/// that breaks the Content-Security-Policy breaks here first.
/// tests/it/hosts/infra.rs holds vercel.json to this list. The policy here is
/// the part no build or deployment changes, and the one part a page's meta
/// element cannot carry (`frame-ancestors`); the rest is each page's own
/// ([`csp`]), which the local server sends as a second policy.
pub const SITE_HEADERS: &[(&str, &str)] = &[
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"),
    ("Content-Security-Policy", "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"),
];

/// Build output under this prefix has content hashes in its names, so it
/// never changes and may be cached for good (vercel.json says the same).
pub const IMMUTABLE_PREFIX: &str = "/_next/static/";
pub const IMMUTABLE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// The built web site in `dir`, served as Vercel serves it: files first
/// (a directory by its `index.html`), then the dynamic pages' rewrites, then
/// `404.html` with a 404, all with vercel.json's headers, and the pages'
/// policy allowing their scripts and media from `media_origins` (as
/// [`csp::media_origins`] gives them), what `payments` needs and the
/// WebSocket API the site was built to connect to. Without a
/// built site, a page saying how to build it.
pub fn static_site(dir: &Path, media_origins: &[String], payments: csp::Payments) -> Router {
    if !dir.join("index.html").is_file() {
        return Router::new().fallback(|| async { Html(PLACEHOLDER_PAGE) });
    }
    let policy = csp::SitePolicy::new(dir, media_origins, payments);
    let root = dir.to_owned();
    let rewrites = tower::service_fn(move |request: Request| {
        let root = root.clone();
        async move { Ok::<_, Infallible>(rewritten(&root, request).await) }
    });
    // Compressed as Vercel's edge compresses: the scripts shrink to a third,
    // which is most of a phone's first load. Images are left as they are.
    Router::new()
        .fallback_service(ServeDir::new(dir).append_index_html_on_directories(true).fallback(rewrites))
        .layer(middleware::from_fn_with_state(policy, site_headers))
        .layer(CompressionLayer::new())
}

/// The page policy goes on every answer, not just pages: a 304 for a page
/// has no content type to tell, and its headers replace the cached ones.
async fn site_headers(State(policy): State<csp::SitePolicy>, request: Request, next: Next) -> Response {
    let immutable = request.uri().path().starts_with(IMMUTABLE_PREFIX);
    let page_policy = policy.header().await;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in SITE_HEADERS {
        headers.insert(*name, HeaderValue::from_static(value));
    }
    headers.append(header::CONTENT_SECURITY_POLICY, page_policy);
    if immutable && response.status().is_success() {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE_CACHE_CONTROL));
    }
    response
}

/// What a path no file answers gets.
async fn rewritten(root: &Path, request: Request) -> Response {
    let page = dynamic_page(request.uri().path()).map(|section| root.join(section).join("_").join("index.html"));
    if let Some(page) = page.filter(|page| page.is_file()) {
        return serve_file(page, request).await;
    }
    let not_found = root.join("404.html");
    let mut response =
        if not_found.is_file() { serve_file(not_found, request).await } else { Response::new(Body::empty()) };
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// The section of `/<section>/<id>` when it has dynamic pages: one non-empty
/// segment after it, with or without the trailing slash the site's own links
/// carry, as the rewrites' `([^/]+)/?` matches.
fn dynamic_page(path: &str) -> Option<&'static str> {
    let (section, id) = path.strip_prefix('/')?.split_once('/')?;
    let section = DYNAMIC_PAGES.iter().find(|page| **page == section)?;
    let id = id.strip_suffix('/').unwrap_or(id);
    (!id.is_empty() && !id.contains('/')).then_some(*section)
}

async fn serve_file(path: std::path::PathBuf, request: Request) -> Response {
    match ServeFile::new(path).oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

const PLACEHOLDER_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Atelier</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Atelier</h1>
<p>The API is running. The web site has not been built yet: run <code>npm run build</code> in <code>web/</code>
(<code>scripts/dev</code> does it for you) and reload.</p>
<ul>
<li><a href="/api/health">/api/health</a></li>
<li><a href="/api/artworks">/api/artworks</a></li>
<li><a href="/api/openapi.json">/api/openapi.json</a></li>
</ul>
</body></html>"#;

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// A Vercel function serving one family through the official Rust runtime.
/// Vercel's edge overwrites `X-Forwarded-For` with the address it saw, so the
/// client address is its last entry (or further left behind more proxies).
pub async fn run_vercel(family: Family) -> Result<(), vercel_runtime::Error> {
    telemetry::init_from_env();
    let ctx = AppContext::from_env().await?;
    let hops = ctx.config.auth.trusted_proxy_hops.max(1);
    let router =
        app::family_router(family, ctx).layer(middleware::from_fn_with_state(hops, client_ip_from_forwarded_for));
    let service = ServiceBuilder::new().layer(vercel_runtime::axum::VercelLayer::new()).service(router);
    vercel_runtime::run(service).await
}

/// A Lambda function serving one family behind API Gateway (REST or HTTP API),
/// a function URL or an ALB.
pub async fn run_lambda(family: Family) -> Result<(), lambda_http::Error> {
    telemetry::init_from_env();
    let ctx = AppContext::from_env().await?;
    let hops = ctx.config.auth.trusted_proxy_hops.max(1);
    let router =
        app::family_router(family, ctx).layer(middleware::from_fn_with_state(hops, client_ip_from_lambda_context));
    lambda_http::run(router).await
}

/// A Lambda function consuming a job queue through an SQS event source with
/// `ReportBatchItemFailures`: only the messages whose jobs failed come back.
pub async fn run_lambda_sqs_worker() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
    telemetry::init_from_env();
    let jobs = crate::jobs::Jobs::new(AppContext::from_env().await?);
    let jobs = &jobs;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>| async move {
        Ok::<_, lambda_http::Error>(jobs.run_sqs_event(event.payload).await)
    }))
    .await
}

/// A Lambda function behind API Gateway's WebSocket API: each connection's
/// `$connect`, `$disconnect` and messages.
pub async fn run_lambda_websocket() -> Result<(), lambda_http::Error> {
    use aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest;
    use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
    telemetry::init_from_env();
    let ctx = AppContext::from_env().await?;
    let sockets = ctx.sockets.clone().ok_or("SOCKET_GATEWAY_URL must be set for the WebSocket function")?;
    let (ctx, sockets) = (&ctx, sockets.as_ref());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
        Ok::<_, lambda_http::Error>(crate::realtime::gateway::handle(ctx, sockets, event.payload).await)
    }))
    .await
}

/// A Lambda function on an EventBridge schedule that recomputes the curated
/// feed, purges search queries past their retention and sweeps stalled mail.
pub async fn run_lambda_curation() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
    telemetry::init_from_env();
    let ctx = AppContext::from_env().await?;
    let ctx = &ctx;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| async move {
        let report = crate::feed::curation::curate(ctx).await?;
        crate::search::purge_old_queries(ctx).await?;
        crate::mail::sweep(ctx).await?;
        Ok::<_, lambda_http::Error>(serde_json::json!({ "works": report.works, "pages": report.pages }))
    }))
    .await
}

/// Lambda function on a schedule: the order process's timers.
pub async fn run_lambda_commerce_timers() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
    telemetry::init_from_env();
    let ctx = AppContext::from_env().await?;
    let ctx = &ctx;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| async move {
        let report =
            crate::realtime::push::delivering(ctx, crate::commerce::timers::run(ctx, chrono::Utc::now())).await?;
        Ok::<_, lambda_http::Error>(serde_json::to_value(report)?)
    }))
    .await
}

/// Lambda function on a schedule: mails the notifications that are due.
pub async fn run_lambda_notification_mail() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
    telemetry::init_from_env();
    let ctx = AppContext::from_env().await?;
    let ctx = &ctx;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| async move {
        let run = crate::realtime::notifications::email::send_due(ctx).await?;
        Ok::<_, lambda_http::Error>(serde_json::json!({ "mailed": run.mailed, "skipped": run.skipped }))
    }))
    .await
}

/// Lambda function on a schedule: the artist insights rollup. An event with
/// `{"days": ["YYYY-MM-DD", ...]}` (an operator's invocation) rolls up those
/// days as well.
pub async fn run_lambda_insights_rollup() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
    /// EventBridge's scheduled events carry fields of their own; only `days` matters.
    #[derive(serde::Deserialize)]
    struct RollupEvent {
        #[serde(default)]
        days: Vec<chrono::NaiveDate>,
    }
    telemetry::init_from_env();
    let ctx = AppContext::from_env().await?;
    let ctx = &ctx;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        let RollupEvent { days } = serde_json::from_value(event.payload)?;
        let report = crate::insights::rollup::run(ctx, chrono::Utc::now(), &days).await?;
        Ok::<_, lambda_http::Error>(serde_json::to_value(report)?)
    }))
    .await
}

/// API Gateway reports the caller's address in the request context, which the
/// client cannot forge (unlike headers). An ALB reports none but appends the
/// address it saw to `X-Forwarded-For`; without either, every caller would
/// share one rate-limit bucket.
async fn client_ip_from_lambda_context(
    axum::extract::State(hops): axum::extract::State<usize>,
    mut req: Request,
    next: Next,
) -> Response {
    use lambda_http::{RequestExt, request::RequestContext};
    let source_ip = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.identity.source_ip.clone(),
        Some(RequestContext::Alb(_)) => forwarded_client(req.headers(), hops),
        _ => None,
    };
    if let Some(ip) = source_ip {
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}
