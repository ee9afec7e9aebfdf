//! The application: the context every handler receives, and the routers built
//! from the capabilities' route families.
//!
//! Each route family is one router; the local server mounts them all, and each
//! Vercel or Lambda function mounts its own. Every host goes through
//! [`family_router`] or [`full_router`], so all of them stack the same layers.

mod context;

use axum::{Extension, Router, middleware::from_fn_with_state, routing::any};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use self::context::{AppContext, Discovery};
use crate::platform::{
    http::{
        method_not_allowed, not_found,
        rate_limit::{self, Limit},
        with_common_layers,
    },
    objects::local,
    payments,
};

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
    Commerce,
    Realtime,
    System,
}

impl Family {
    pub const ALL: [Family; 10] = [
        Family::Auth,
        Family::Artists,
        Family::Artworks,
        Family::Taxonomy,
        Family::Interactions,
        Family::Media,
        Family::Search,
        Family::Commerce,
        Family::Realtime,
        Family::System,
    ];

    fn routes(self) -> OpenApiRouter<AppContext> {
        match self {
            Family::Auth => crate::auth::routes::router(),
            Family::Artists => crate::catalog::artists::router().merge(crate::insights::router()),
            Family::Artworks => crate::catalog::artworks::routes::router(),
            Family::Taxonomy => crate::catalog::taxonomy::router(),
            Family::Interactions => crate::feed::router().merge(crate::collections::router()),
            Family::Media => crate::media::router(),
            Family::Search => crate::search::router(),
            // Reviews are about orders and need no function of their own.
            Family::Commerce => crate::commerce::router().merge(crate::reviews::router()),
            Family::Realtime => crate::realtime::router(),
            // Operators' and developers' views of mail, not a surface of its own.
            Family::System => crate::system::router().merge(crate::mail::router()),
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
        (name = "collections", description = "Named, ordered collections of works: personal ones and the editors' picks"),
        (name = "media", description = "Image uploads and their processing"),
        (name = "search", description = "Keyword, semantic and hybrid search"),
        (name = "recommendations", description = "Personal recommendations and taste preferences"),
        (name = "moderation", description = "Review of possible copies of other artists' work"),
        (name = "commerce", description = "Cart, checkout, orders, refunds and payouts"),
        (name = "offers", description = "Offers and counter-offers on works, charged to a saved card when accepted"),
        (name = "reviews", description = "Double-blind reviews between an order's buyer and artist, reports and their moderation"),
        (name = "insights", description = "Artists' numbers: views, saves, search, offers, orders and revenue per work and day"),
        (name = "conversations", description = "Collectors asking artists about works, and reports to moderators"),
        (name = "notifications", description = "What you are told about, and which kinds you want"),
        (name = "realtime", description = "Live delivery: WebSocket, Server-Sent Events and their tickets"),
        (name = "mail", description = "Mail the marketplace sends: what operators need to see, and the development mailbox"),
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
    let mut openapi = OpenApiRouter::<AppContext>::with_openapi(ApiDoc::openapi()).merge(all_families()).into_openapi();
    crate::platform::http::openapi::document_problems(&mut openapi);
    openapi
}

/// Unknown paths under `/api` are problem documents even where a web site
/// serves everything else.
fn finish(router: OpenApiRouter<AppContext>, ctx: AppContext, site: Option<Router>) -> Router {
    let max_body = ctx.config.max_body_bytes;
    let metrics = ctx.metrics.clone();
    let delivery = ctx.sockets.is_some().then(|| ctx.clone());
    let (router, _) = router.split_for_parts();
    let router = router
        .merge(
            local::upload_routes(ctx.local_objects.clone())
                .route_layer(from_fn_with_state(Limit::UploadBodies, rate_limit::enforce)),
        )
        .merge(local::download_routes(ctx.local_objects.clone()))
        .merge(payments::sandbox::routes(ctx.sandbox_payments.clone()))
        .route("/api/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        // Route middleware (rate limits, idempotency) reads what it needs
        // from here: the family routers are built before any context exists.
        .layer(Extension(ctx.route_guards()))
        .with_state(ctx);
    // Where a gateway holds the live connections, what a request published
    // is queued for delivery once it has been answered.
    let router = match delivery {
        Some(ctx) => router.layer(axum::middleware::from_fn_with_state(ctx, deliver_published)),
        None => router,
    };
    let router = match site {
        Some(site) => router.fallback_service(site),
        None => router.fallback(not_found),
    };
    with_common_layers(router, max_body, metrics)
}

async fn deliver_published(
    axum::extract::State(ctx): axum::extract::State<AppContext>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    crate::realtime::push::delivering(&ctx, next.run(request)).await
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
