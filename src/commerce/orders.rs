//! Orders as buyers, artists and operators see and move them: a buyer's
//! purchases, an artist's sales, and the operators' refunds and disputes.
//! Someone else's order answers 404, as if it did not exist.

use axum::{Json, extract::State};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    domain::{Actor, OrderStatus},
    process::{self, Later, Step},
    store::{self, OrderRow, Party, ShippingMethod},
    views::{self, OrderView},
};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    catalog::artists::artist_of_user,
    platform::http::{
        ApiJson, ApiPath, ApiQuery,
        error::{ApiError, ApiResult},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(my_orders))
        .routes(routes!(my_order))
        .routes(routes!(cancel_order))
        .routes(routes!(confirm_received))
        .routes(routes!(my_sales))
        .routes(routes!(my_sale))
        .routes(routes!(accept_sale))
        .routes(routes!(decline_sale))
        .routes(routes!(ship_sale))
        .routes(routes!(operator_orders))
        .routes(routes!(operator_refund))
        .routes(routes!(operator_cancel))
        .routes(routes!(operator_resolve_dispute))
}

const PAGE_SIZE: i64 = 20;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListQuery {
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<Uuid>,
    /// Operators only: orders in this status.
    pub status: Option<OrderStatus>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderView>,
    pub next_cursor: Option<Uuid>,
}

async fn page(ctx: &AppContext, party: Party, cursor: Option<Uuid>) -> ApiResult<OrderPage> {
    let mut conn = ctx.db.acquire().await?;
    let mut rows = store::list_orders(&mut conn, party, cursor, PAGE_SIZE + 1).await?;
    let more = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let next_cursor = more.then(|| rows.last().map(|o| o.id)).flatten();
    Ok(OrderPage { items: views::orders(&mut conn, rows).await?, next_cursor })
}

async fn one(ctx: &AppContext, order: OrderRow) -> ApiResult<OrderView> {
    let mut conn = ctx.db.acquire().await?;
    views::orders(&mut conn, vec![order]).await?.pop().ok_or_else(|| ApiError::NotFound("no such order".to_owned()))
}

/// Who is acting on an order, and whether it is theirs to act on.
#[derive(Clone, Copy)]
enum Role {
    Buyer(Uuid),
    Artist(Uuid),
    Operator(Uuid),
}

impl Role {
    fn actor(self) -> (Actor, Option<Uuid>) {
        match self {
            Role::Buyer(user) => (Actor::Buyer, Some(user)),
            Role::Artist(_) => (Actor::Artist, None),
            Role::Operator(user) => (Actor::Operator, Some(user)),
        }
    }

    fn owns(self, order: &OrderRow) -> bool {
        match self {
            Role::Buyer(user) => order.buyer_id == user,
            Role::Artist(artist) => order.artist_id == artist,
            Role::Operator(_) => true,
        }
    }
}

fn buyer(principal: &Principal) -> ApiResult<Role> {
    principal.require(Permission::Interact)?;
    Ok(Role::Buyer(principal.user_id))
}

async fn artist(ctx: &AppContext, principal: &Principal) -> ApiResult<Role> {
    principal.require(Permission::SellArtworks)?;
    let mut conn = ctx.db.acquire().await?;
    let artist = artist_of_user(&mut conn, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such order".to_owned()))?;
    Ok(Role::Artist(artist))
}

fn operator(principal: &Principal) -> ApiResult<Role> {
    principal.require(Permission::ModerateCatalog)?;
    Ok(Role::Operator(principal.user_id))
}

async fn find(ctx: &AppContext, role: Role, id: Uuid) -> ApiResult<OrderRow> {
    let mut conn = ctx.db.acquire().await?;
    store::order(&mut conn, id)
        .await?
        .filter(|o| role.owns(o))
        .ok_or_else(|| ApiError::NotFound("no such order".to_owned()))
}

/// What an action does inside the locked transaction, after its transition.
type Effect = for<'c> fn(
    &'c mut sqlx::PgConnection,
    &'c AppContext,
    &'c mut OrderRow,
) -> futures::future::BoxFuture<'c, ApiResult<Later>>;

/// Locks the order's checkout and the order, checks it is the caller's,
/// applies the transition, then `effect`, then settles the checkout's
/// payment if that was the last decision, all in one transaction.
async fn act(ctx: &AppContext, role: Role, id: Uuid, step: Step<'_>, effect: Option<Effect>) -> ApiResult<OrderView> {
    let mut tx = ctx.db.begin().await?;
    let checkout_id =
        store::checkout_of_order(&mut tx, id).await?.ok_or_else(|| ApiError::NotFound("no such order".to_owned()))?;
    let (checkout, mut orders) = process::lock(&mut tx, checkout_id).await?;
    let index = orders
        .iter()
        .position(|o| o.id == id && role.owns(o))
        .ok_or_else(|| ApiError::NotFound("no such order".to_owned()))?;
    let now = Utc::now();
    let mut later = Later::default();
    process::transition(&mut tx, &ctx.config.commerce, &mut orders[index], step, now).await?;
    if let Some(effect) = effect {
        later.extend(effect(&mut tx, ctx, &mut orders[index]).await?);
    }
    later.extend(process::settle(&mut tx, ctx, &checkout, &mut orders, now).await?);
    tx.commit().await?;
    later.run(ctx).await;
    one(ctx, find(ctx, role, id).await?).await
}

fn release<'c>(
    conn: &'c mut sqlx::PgConnection,
    _ctx: &'c AppContext,
    order: &'c mut OrderRow,
) -> futures::future::BoxFuture<'c, ApiResult<Later>> {
    Box::pin(async move { process::release_stock(conn, order).await })
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    #[schema(max_length = 500, pattern = r"^[^\x00-\x09\x0B-\x1F\x7F-\x9F]*$")]
    #[serde(default)]
    pub reason: String,
}

fn reason(text: &str) -> ApiResult<&str> {
    let text = text.trim();
    if text.chars().count() > 500 || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::field("reason", "must be at most 500 characters without control characters"));
    }
    Ok(text)
}

/// Your purchases, newest first.
#[utoipa::path(get, path = "/api/me/orders", tag = "commerce", security(("bearer" = [])), params(OrderListQuery),
    responses((status = 200, body = OrderPage)))]
async fn my_orders(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<OrderListQuery>,
) -> ApiResult<Json<OrderPage>> {
    buyer(&principal)?;
    Ok(Json(page(&ctx, Party::Buyer(principal.user_id), query.cursor).await?))
}

/// One of your purchases, with its timeline.
#[utoipa::path(get, path = "/api/me/orders/{id}", tag = "commerce", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = OrderView), (status = 404)))]
async fn my_order(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OrderView>> {
    let role = buyer(&principal)?;
    Ok(Json(one(&ctx, find(&ctx, role, id).await?).await?))
}

/// Cancel a purchase before the artist accepts it. Before payment this
/// cancels the whole checkout; after, the card authorisation for this order
/// is released. Either way the works go back on sale.
#[utoipa::path(post, path = "/api/me/orders/{id}/cancel", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ReasonRequest,
    responses((status = 200, body = OrderView), (status = 404), (status = 409, description = "Accepted or shipped already; the problem says its status")))]
async fn cancel_order(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ReasonRequest>,
) -> ApiResult<Json<OrderView>> {
    let role = buyer(&principal)?;
    let why = reason(&request.reason)?;
    let order = find(&ctx, role, id).await?;
    if order.status == OrderStatus::PendingPayment {
        super::timers::close_unpaid(
            &ctx,
            order.checkout_id,
            super::timers::Closing::BuyerCancelled(principal.user_id),
            Utc::now(),
        )
        .await?;
        return Ok(Json(one(&ctx, find(&ctx, role, id).await?).await?));
    }
    let (actor, actor_id) = role.actor();
    let step = Step { to: OrderStatus::Cancelled, actor, actor_id, reason: why, shipment: None };
    Ok(Json(act(&ctx, role, id, step, Some(release)).await?))
}

/// Say the works arrived (or were collected): the order moves towards completion.
#[utoipa::path(post, path = "/api/me/orders/{id}/received", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = OrderView), (status = 404), (status = 409, description = "Not shipped; the problem says its status")))]
async fn confirm_received(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OrderView>> {
    let role = buyer(&principal)?;
    let (actor, actor_id) = role.actor();
    let step = Step { to: OrderStatus::Received, actor, actor_id, reason: "", shipment: None };
    Ok(Json(act(&ctx, role, id, step, None).await?))
}

/// Your sales, newest first.
#[utoipa::path(get, path = "/api/me/sales", tag = "commerce", security(("bearer" = [])), params(OrderListQuery),
    responses((status = 200, body = OrderPage), (status = 403, description = "Not an artist account")))]
async fn my_sales(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<OrderListQuery>,
) -> ApiResult<Json<OrderPage>> {
    principal.require(Permission::SellArtworks)?;
    let mut conn = ctx.db.acquire().await?;
    let Some(artist) = artist_of_user(&mut conn, principal.user_id).await? else {
        return Ok(Json(OrderPage { items: Vec::new(), next_cursor: None }));
    };
    drop(conn);
    Ok(Json(page(&ctx, Party::Artist(artist), query.cursor).await?))
}

/// One of your sales, with its deadlines and timeline.
#[utoipa::path(get, path = "/api/me/sales/{id}", tag = "commerce", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = OrderView), (status = 403, description = "Not an artist account"), (status = 404)))]
async fn my_sale(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OrderView>> {
    let role = artist(&ctx, &principal).await?;
    Ok(Json(one(&ctx, find(&ctx, role, id).await?).await?))
}

/// Accept a paid order: you will fulfil it. The buyer's card is charged once
/// every artist in their checkout has answered.
#[utoipa::path(post, path = "/api/me/sales/{id}/accept", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = OrderView), (status = 403, description = "Not an artist account"), (status = 404), (status = 409, description = "Not awaiting your answer; the problem says its status"),
        (status = 503, description = "The payment provider did not answer; nothing changed")))]
async fn accept_sale(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OrderView>> {
    let role = artist(&ctx, &principal).await?;
    let step = Step {
        to: OrderStatus::Accepted,
        actor: Actor::Artist,
        actor_id: Some(principal.user_id),
        reason: "",
        shipment: None,
    };
    Ok(Json(act(&ctx, role, id, step, None).await?))
}

/// Decline a paid order: the buyer's authorisation is released and the works
/// go back on sale.
#[utoipa::path(post, path = "/api/me/sales/{id}/decline", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ReasonRequest,
    responses((status = 200, body = OrderView), (status = 403, description = "Not an artist account"), (status = 404), (status = 409, description = "Not awaiting your answer; the problem says its status"),
        (status = 503, description = "The payment provider did not answer; nothing changed")))]
async fn decline_sale(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ReasonRequest>,
) -> ApiResult<Json<OrderView>> {
    let role = artist(&ctx, &principal).await?;
    let why = reason(&request.reason)?;
    let step = Step {
        to: OrderStatus::Declined,
        actor: Actor::Artist,
        actor_id: Some(principal.user_id),
        reason: why,
        shipment: None,
    };
    Ok(Json(act(&ctx, role, id, step, Some(release)).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    /// Required for deliveries; for collections, who handed the works over.
    #[schema(max_length = 80, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    #[serde(default)]
    pub carrier: String,
    #[schema(max_length = 80, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    #[serde(default)]
    pub tracking_number: String,
}

/// Mark an accepted order shipped (or handed over, for a collection).
#[utoipa::path(post, path = "/api/me/sales/{id}/ship", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ShipRequest,
    responses((status = 200, body = OrderView), (status = 403, description = "Not an artist account"), (status = 404), (status = 409, description = "Not accepted; the problem says its status"), (status = 422)))]
async fn ship_sale(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ShipRequest>,
) -> ApiResult<Json<OrderView>> {
    let role = artist(&ctx, &principal).await?;
    let order = find(&ctx, role, id).await?;
    let carrier = request.carrier.trim();
    let tracking = request.tracking_number.trim();
    for (field, value) in [("carrier", carrier), ("tracking_number", tracking)] {
        if value.chars().count() > 80 || value.chars().any(char::is_control) {
            return Err(ApiError::field(field, "must be at most 80 characters without control characters"));
        }
        if order.shipping_method == ShippingMethod::Delivery && value.is_empty() {
            return Err(ApiError::field(field, "is required for a delivery"));
        }
    }
    let step = Step {
        to: OrderStatus::Shipped,
        actor: Actor::Artist,
        actor_id: Some(principal.user_id),
        reason: "",
        shipment: Some((carrier, tracking)),
    };
    Ok(Json(act(&ctx, role, id, step, None).await?))
}

/// Every order, newest first, optionally in one status (`disputed`, …).
#[utoipa::path(get, path = "/api/admin/orders", tag = "commerce", security(("bearer" = [])), params(OrderListQuery),
    responses((status = 200, body = OrderPage), (status = 403)))]
async fn operator_orders(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<OrderListQuery>,
) -> ApiResult<Json<OrderPage>> {
    operator(&principal)?;
    Ok(Json(page(&ctx, Party::Anyone(query.status), query.cursor).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// In the order's currency's minor units; at most what is left of the captured payment.
    #[schema(minimum = 1)]
    pub amount_minor: i64,
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x09\x0B-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x09\x0B-\x1F\x7F-\x9F]*$"
    )]
    pub reason: String,
}

/// Refund all or part of an order's captured payment. A refund of everything
/// left marks the order refunded; if it had not shipped, its works go back on sale.
#[utoipa::path(post, path = "/api/admin/orders/{id}/refunds", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = RefundRequest,
    responses((status = 200, body = OrderView), (status = 403), (status = 404),
        (status = 409, description = "The order's status does not allow a refund"),
        (status = 422, description = "More than is left to refund, or no reason"),
        (status = 503, description = "The payment provider did not answer; nothing changed")))]
async fn operator_refund(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<RefundRequest>,
) -> ApiResult<Json<OrderView>> {
    let role = operator(&principal)?;
    let why = reason(&request.reason)?;
    if why.is_empty() {
        return Err(ApiError::field("reason", "say why the order is refunded"));
    }
    let mut tx = ctx.db.begin().await?;
    let checkout_id =
        store::checkout_of_order(&mut tx, id).await?.ok_or_else(|| ApiError::NotFound("no such order".to_owned()))?;
    let (checkout, mut orders) = process::lock(&mut tx, checkout_id).await?;
    let order = orders.iter_mut().find(|o| o.id == id).ok_or_else(|| ApiError::NotFound("no such order".to_owned()))?;
    if !super::domain::allowed(order.status, OrderStatus::Refunded, Actor::Operator) {
        return Err(ApiError::Conflict(format!("the order is {}: it cannot be refunded", order.status.as_str())));
    }
    let request = process::RefundRequest {
        amount_minor: request.amount_minor,
        actor: Actor::Operator,
        actor_id: Some(principal.user_id),
        reason: why,
    };
    let later = process::refund(&mut tx, &ctx, &checkout, order, &request, Utc::now()).await?;
    tx.commit().await?;
    later.run(&ctx).await;
    Ok(Json(one(&ctx, find(&ctx, role, id).await?).await?))
}

/// Cancel a paid order that has not been accepted; the authorisation for it is released.
#[utoipa::path(post, path = "/api/admin/orders/{id}/cancel", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ReasonRequest,
    responses((status = 200, body = OrderView), (status = 403), (status = 404), (status = 409, description = "Not cancellable in its status")))]
async fn operator_cancel(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ReasonRequest>,
) -> ApiResult<Json<OrderView>> {
    let role = operator(&principal)?;
    let why = reason(&request.reason)?;
    let step = Step {
        to: OrderStatus::Cancelled,
        actor: Actor::Operator,
        actor_id: Some(principal.user_id),
        reason: why,
        shipment: None,
    };
    Ok(Json(act(&ctx, role, id, step, Some(release)).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisputeOutcome {
    /// The bank sided with the artist: the order completes.
    Won,
    /// The buyer keeps their money: what is left is refunded.
    Lost,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveDisputeRequest {
    pub outcome: DisputeOutcome,
    #[schema(max_length = 500, pattern = r"^[^\x00-\x09\x0B-\x1F\x7F-\x9F]*$")]
    #[serde(default)]
    pub reason: String,
}

/// Record how a dispute ended.
#[utoipa::path(post, path = "/api/admin/orders/{id}/dispute", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ResolveDisputeRequest,
    responses((status = 200, body = OrderView), (status = 403), (status = 404), (status = 409, description = "The order is not disputed"),
        (status = 503, description = "The payment provider did not answer; nothing changed")))]
async fn operator_resolve_dispute(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ResolveDisputeRequest>,
) -> ApiResult<Json<OrderView>> {
    let role = operator(&principal)?;
    let why = reason(&request.reason)?;
    match request.outcome {
        DisputeOutcome::Won => {
            let step = Step {
                to: OrderStatus::Completed,
                actor: Actor::Operator,
                actor_id: Some(principal.user_id),
                reason: why,
                shipment: None,
            };
            Ok(Json(act(&ctx, role, id, step, None).await?))
        }
        DisputeOutcome::Lost => {
            let mut tx = ctx.db.begin().await?;
            let checkout_id = store::checkout_of_order(&mut tx, id)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such order".to_owned()))?;
            let (checkout, mut orders) = process::lock(&mut tx, checkout_id).await?;
            let order =
                orders.iter_mut().find(|o| o.id == id).ok_or_else(|| ApiError::NotFound("no such order".to_owned()))?;
            if order.status != OrderStatus::Disputed {
                return Err(ApiError::Conflict(format!("the order is {}, not disputed", order.status.as_str())));
            }
            let money = process::order_money(&mut tx, order.id).await?;
            let request = process::RefundRequest {
                amount_minor: money.captured - money.refunded,
                actor: Actor::Operator,
                actor_id: Some(principal.user_id),
                reason: if why.is_empty() { "dispute lost" } else { why },
            };
            let later = process::refund(&mut tx, &ctx, &checkout, order, &request, Utc::now()).await?;
            tx.commit().await?;
            later.run(&ctx).await;
            Ok(Json(one(&ctx, find(&ctx, role, id).await?).await?))
        }
    }
}
