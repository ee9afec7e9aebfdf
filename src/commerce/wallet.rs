//! A buyer's saved card: saved through the provider's setup flow in the
//! browser, so that a payment can later be made while the buyer is away
//! (an offer the artist accepts is charged at once).

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{process::provider_error, store};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    platform::{
        http::{
            ApiJson, ApiPath,
            error::{ApiError, ApiResult},
            idempotency,
            rate_limit::{self, Limit},
        },
        payments::{IdempotencyKey, PaymentsError, SetupState},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(rate_limit::limited(Limit::Interactions, idempotency::keyed(routes!(start_payment_method_setup))))
        .routes(routes!(list_payment_methods, save_payment_method))
        .routes(routes!(delete_payment_method))
}

/// The longest provider id accepted (Stripe's are well under it).
const MAX_PROVIDER_ID: usize = 255;

/// What the browser needs to save a card, as for a checkout's payment.
#[derive(Serialize, ToSchema)]
pub struct SetupView {
    /// `sandbox` (the local card form) or `stripe` (Stripe's Payment Element).
    pub provider: String,
    pub setup_id: String,
    pub client_secret: String,
    /// Stripe's publishable key, when the provider is Stripe.
    pub publishable_key: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentMethodView {
    pub id: Uuid,
    /// e.g. `visa`, where the provider says.
    pub brand: Option<String>,
    pub last4: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<store::SavedMethodRow> for PaymentMethodView {
    fn from(row: store::SavedMethodRow) -> Self {
        Self { id: row.id, brand: row.brand, last4: row.last4, created_at: row.created_at }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavePaymentMethodRequest {
    /// The setup the browser confirmed the card with.
    #[schema(max_length = 255)]
    pub setup_id: String,
}

/// The buyer's customer at the configured provider, made on first use.
async fn customer_of(ctx: &AppContext, user_id: Uuid) -> ApiResult<String> {
    let provider = ctx.payments.name();
    let mut conn = ctx.db.acquire().await?;
    if let Some(customer_id) = store::buyer_customer(&mut conn, user_id, provider).await? {
        return Ok(customer_id);
    }
    let email = store::user_email(&mut conn, user_id).await?;
    drop(conn);
    // The buyer's own key: a repeat after a lost answer is the same customer.
    let key = IdempotencyKey::new(user_id, "customer", 0);
    let customer = ctx.payments.create_customer(&email, &key).await.map_err(provider_error)?;
    let mut conn = ctx.db.acquire().await?;
    store::insert_buyer_customer(&mut conn, user_id, provider, &customer.id).await?;
    // Another request may have recorded it first; it is the same customer.
    Ok(store::buyer_customer(&mut conn, user_id, provider).await?.unwrap_or(customer.id))
}

/// Start saving a card for payments made while you are away (an accepted
/// offer); confirm it in the browser with the answer, then save it.
#[utoipa::path(post, path = "/api/me/payment-methods/setup", tag = "commerce", security(("bearer" = [])),
    responses(
        (status = 201, body = SetupView),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The account may not buy"),
        (status = 503, description = "The payment provider did not answer"),
    ))]
async fn start_payment_method_setup(
    State(ctx): State<AppContext>,
    principal: Principal,
) -> ApiResult<(StatusCode, Json<SetupView>)> {
    principal.require(Permission::Transact)?;
    let customer_id = customer_of(&ctx, principal.user_id).await?;
    // Each request is a new setup; a repeat without an Idempotency-Key only
    // leaves an unused setup behind, which holds no money.
    let key = IdempotencyKey::new(Uuid::now_v7(), "setup", 0);
    let setup = ctx.payments.create_setup(&customer_id, &key).await.map_err(provider_error)?;
    let mut conn = ctx.db.acquire().await?;
    store::insert_payment_setup(&mut conn, &setup.id, principal.user_id, ctx.payments.name()).await?;
    let view = SetupView {
        provider: ctx.payments.name().to_owned(),
        setup_id: setup.id,
        client_secret: setup.client_secret,
        publishable_key: ctx.payments.publishable_key().map(str::to_owned),
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Save the card a setup of yours confirmed, in place of the one you had.
#[utoipa::path(post, path = "/api/me/payment-methods", tag = "commerce", security(("bearer" = [])),
    request_body = SavePaymentMethodRequest,
    responses(
        (status = 201, body = PaymentMethodView),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The account may not buy"),
        (status = 404, description = "No setup of yours has this id"),
        (status = 409, description = "The setup has not saved a card (yet); the problem says where it stands"),
        (status = 422, description = "The setup id is too long"),
        (status = 503, description = "The payment provider did not answer"),
    ))]
async fn save_payment_method(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiJson(request): ApiJson<SavePaymentMethodRequest>,
) -> ApiResult<(StatusCode, Json<PaymentMethodView>)> {
    principal.require(Permission::Transact)?;
    if request.setup_id.len() > MAX_PROVIDER_ID {
        return Err(ApiError::field("setup_id", format!("must be at most {MAX_PROVIDER_ID} characters")));
    }
    let provider = ctx.payments.name();
    let mut conn = ctx.db.acquire().await?;
    if !store::owns_payment_setup(&mut conn, &request.setup_id, principal.user_id, provider).await? {
        return Err(ApiError::NotFound("no such setup".to_owned()));
    }
    drop(conn);
    let setup = ctx.payments.setup(&request.setup_id).await.map_err(provider_error)?;
    let SetupState::Succeeded { method, card } = setup.state else {
        let why = setup.last_decline.map(|d| format!(": {}", d.message)).unwrap_or_default();
        return Err(ApiError::Conflict(format!("the card is not saved yet ({:?}){why}", setup.state)));
    };
    let (brand, last4) = card.map(|c| (c.brand, c.last4)).unzip();
    let mut tx = ctx.db.begin().await?;
    let new = store::SavedMethodRow {
        id: Uuid::now_v7(),
        user_id: principal.user_id,
        provider: provider.to_owned(),
        customer_id: method.customer_id,
        payment_method_id: method.payment_method_id,
        brand,
        last4: last4.filter(|l| l.len() == 4 && l.bytes().all(|b| b.is_ascii_digit())),
        created_at: Utc::now(),
    };
    let (saved, replaced) = store::replace_saved_method(&mut tx, &new).await?;
    tx.commit().await?;
    if let Some(replaced) = replaced {
        forget(&ctx, &replaced).await?;
    }
    Ok((StatusCode::CREATED, Json(saved.into())))
}

/// The provider forgets a card Atelier no longer keeps; one it forgot
/// already (a repeat) is as good.
async fn forget(ctx: &AppContext, row: &store::SavedMethodRow) -> ApiResult<()> {
    if row.provider != ctx.payments.name() {
        return Ok(());
    }
    let key = IdempotencyKey::new(row.id, "forget", 0);
    match ctx.payments.forget_method(&row.payment_method_id, &key).await {
        Ok(()) | Err(PaymentsError::Refused(_)) => Ok(()),
        Err(e) => Err(provider_error(e)),
    }
}

/// Your saved card, if any: at most one.
#[utoipa::path(get, path = "/api/me/payment-methods", tag = "commerce", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<PaymentMethodView>),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The account may not buy"),
    ))]
async fn list_payment_methods(
    State(ctx): State<AppContext>,
    principal: Principal,
) -> ApiResult<Json<Vec<PaymentMethodView>>> {
    principal.require(Permission::Interact)?;
    let mut conn = ctx.db.acquire().await?;
    let saved = store::saved_method(&mut conn, principal.user_id, ctx.payments.name()).await?;
    Ok(Json(saved.into_iter().map(PaymentMethodView::from).collect()))
}

/// Forget your saved card: nothing can be charged to it any more.
#[utoipa::path(delete, path = "/api/me/payment-methods/{id}", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Forgotten"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The account may not buy"),
        (status = 404, description = "No saved card of yours has this id"),
        (status = 503, description = "The payment provider did not answer; the card is kept"),
    ))]
async fn delete_payment_method(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    principal.require(Permission::Interact)?;
    let mut tx = ctx.db.begin().await?;
    let row = store::delete_saved_method(&mut tx, id, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such payment method".to_owned()))?;
    // Forgotten at the provider before the record goes, so a failure keeps both.
    forget(&ctx, &row).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
