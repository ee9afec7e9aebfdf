//! The cart, artists' shipping terms, and checkout: one payment for the works
//! of every artist in the cart, one order per artist, the stock held until
//! the buyer pays.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    domain::{Address, Money, OrderStatus, Split},
    process::{self, Later, provider_error},
    store::{self, CheckoutRow, LineRow, NewCheckout, OrderRow, ShippingMethod, ShippingRow},
    views::{self, CheckoutView, PaymentView},
};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    catalog::{
        artists::artist_of_user,
        artworks::stock::{self, Offer, Terms, Unavailable},
        domain::{EditionKind, Price},
    },
    platform::{
        http::{
            ApiJson, ApiPath,
            error::{ApiError, ApiResult},
            idempotency,
            rate_limit::{self, Limit},
        },
        payments::{IdempotencyKey, NewPayment},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(get_cart))
        .routes(routes!(put_cart_item, remove_cart_item))
        .routes(routes!(get_shipping, put_shipping))
        .routes(rate_limit::limited(Limit::Interactions, idempotency::keyed_required(routes!(create_checkout))))
        .routes(routes!(get_checkout))
        .routes(routes!(confirm_checkout))
}

/// How many different works a cart may hold.
const MAX_CART_LINES: i64 = 50;
/// How many copies of one edition one checkout may buy.
const MAX_COPIES: i32 = 20;

#[derive(Serialize, ToSchema)]
pub struct CartLineView {
    pub artwork_id: Uuid,
    pub title: String,
    pub edition_kind: EditionKind,
    pub edition_size: Option<i32>,
    pub quantity: i32,
    /// The price now.
    pub unit_price: Money,
    /// Copies a buyer can still get; absent for open editions.
    pub available: Option<i32>,
    /// The price is not the one the work had when it was put in the cart.
    pub price_changed: bool,
    /// Whether it can be bought now, in this quantity.
    pub purchasable: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ShippingOptions {
    pub origin_country: String,
    pub domestic: Option<Money>,
    pub international: Option<Money>,
    pub collection: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CartGroup {
    pub artist_id: Uuid,
    pub artist_slug: String,
    pub artist_name: String,
    pub lines: Vec<CartLineView>,
    pub subtotal: Money,
    /// Absent until the artist has set how they ship: their works cannot be checked out yet.
    pub shipping: Option<ShippingOptions>,
}

#[derive(Serialize, ToSchema)]
pub struct CartView {
    /// One group per artist: each becomes one order.
    pub groups: Vec<CartGroup>,
    /// Works in the cart that are no longer for sale.
    pub unavailable: Vec<Uuid>,
    /// The works are priced in more than one currency: one checkout takes one.
    pub mixed_currencies: bool,
}

async fn cart_view(ctx: &AppContext, user_id: Uuid) -> ApiResult<CartView> {
    let mut conn = ctx.db.acquire().await?;
    let lines = store::cart_lines(&mut conn, user_id).await?;
    let ids: Vec<Uuid> = lines.iter().map(|l| l.artwork_id).collect();
    let offers = stock::offers(&mut conn, &ids).await?;
    let artist_ids: Vec<Uuid> = offers.iter().map(|o| o.artist_id).collect();
    let profiles = store::shipping_profiles(&mut conn, &artist_ids).await?;
    let mut groups: BTreeMap<Uuid, CartGroup> = BTreeMap::new();
    let mut unavailable = Vec::new();
    let mut currencies: Vec<&str> = Vec::new();
    for line in &lines {
        let Some(offer) = offers.iter().find(|o| o.artwork_id == line.artwork_id) else {
            unavailable.push(line.artwork_id);
            continue;
        };
        let currency = offer.price.currency.as_str();
        if !currencies.contains(&currency) {
            currencies.push(currency);
        }
        let group = groups.entry(offer.artist_id).or_insert_with(|| CartGroup {
            artist_id: offer.artist_id,
            artist_slug: offer.artist_slug.clone(),
            artist_name: offer.artist_name.clone(),
            lines: Vec::new(),
            subtotal: Money::new(0, currency),
            shipping: profiles.iter().find(|p| p.artist_id == offer.artist_id).map(|p| ShippingOptions {
                origin_country: p.origin_country.clone(),
                domestic: p.domestic_minor.map(|m| Money::new(m, &p.currency)),
                international: p.international_minor.map(|m| Money::new(m, &p.currency)),
                collection: p.collection,
            }),
        });
        if group.subtotal.currency == currency {
            group.subtotal.amount_minor += offer.price.amount_minor * i64::from(line.quantity);
        }
        group.lines.push(CartLineView {
            artwork_id: offer.artwork_id,
            title: offer.title.clone(),
            edition_kind: offer.edition_kind,
            edition_size: offer.edition_size,
            quantity: line.quantity,
            unit_price: Money::new(offer.price.amount_minor, currency),
            available: offer.available,
            price_changed: offer.price.amount_minor != line.unit_price_minor || currency != line.currency.trim(),
            purchasable: offer.available.is_none_or(|available| available >= line.quantity),
        });
    }
    Ok(CartView { groups: groups.into_values().collect(), unavailable, mixed_currencies: currencies.len() > 1 })
}

/// Your cart, grouped by artist, with prices and availability as they are now.
#[utoipa::path(get, path = "/api/cart", tag = "commerce", security(("bearer" = [])),
    responses((status = 200, body = CartView)))]
async fn get_cart(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<CartView>> {
    principal.require(Permission::Interact)?;
    Ok(Json(cart_view(&ctx, principal.user_id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartItemRequest {
    /// 1 for a unique work; copies of an edition.
    #[schema(minimum = 1, maximum = 20)]
    pub quantity: i32,
}

/// Put a work in your cart, or change how many copies of an edition you want.
#[utoipa::path(put, path = "/api/cart/items/{artwork_id}", tag = "commerce", security(("bearer" = [])),
    params(("artwork_id" = Uuid, Path)), request_body = CartItemRequest,
    responses(
        (status = 200, body = CartView),
        (status = 409, description = "Sold, reserved, or fewer copies left than asked for"),
        (status = 422, description = "Not for sale, more than one of a unique work, or the cart is full"),
    ))]
async fn put_cart_item(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(artwork_id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CartItemRequest>,
) -> ApiResult<Json<CartView>> {
    principal.require(Permission::Interact)?;
    if !(1..=MAX_COPIES).contains(&request.quantity) {
        return Err(ApiError::field("quantity", format!("must be between 1 and {MAX_COPIES}")));
    }
    let mut conn = ctx.db.acquire().await?;
    let offer = stock::offers(&mut conn, &[artwork_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::field("artwork_id", "is not a work for sale"))?;
    if offer.edition_kind == EditionKind::Unique && request.quantity != 1 {
        return Err(ApiError::field("quantity", "a unique work is one of a kind: the quantity is 1"));
    }
    match offer.available {
        Some(0) => return Err(ApiError::Conflict(format!("\"{}\" is no longer available", offer.title))),
        Some(available) if available < request.quantity => {
            return Err(ApiError::Conflict(format!("only {available} of \"{}\" are left", offer.title)));
        }
        _ => {}
    }
    let lines = store::cart_lines(&mut conn, principal.user_id).await?;
    if !lines.iter().any(|l| l.artwork_id == artwork_id)
        && store::cart_size(&mut conn, principal.user_id).await? >= MAX_CART_LINES
    {
        return Err(ApiError::field("artwork_id", format!("a cart holds at most {MAX_CART_LINES} works")));
    }
    store::put_cart_line(
        &mut conn,
        principal.user_id,
        artwork_id,
        request.quantity,
        offer.price.amount_minor,
        &offer.price.currency,
    )
    .await?;
    drop(conn);
    Ok(Json(cart_view(&ctx, principal.user_id).await?))
}

/// Take a work out of your cart.
#[utoipa::path(delete, path = "/api/cart/items/{artwork_id}", tag = "commerce", security(("bearer" = [])),
    params(("artwork_id" = Uuid, Path)),
    responses((status = 204, description = "Removed, or was not there")))]
async fn remove_cart_item(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(artwork_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    principal.require(Permission::Interact)?;
    let mut conn = ctx.db.acquire().await?;
    store::remove_cart_lines(&mut conn, principal.user_id, &[artwork_id]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How an artist ships. A rate left out is not offered; 0 is free.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShippingProfile {
    /// ISO 3166-1 alpha-2: where the works ship from.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub origin_country: String,
    /// The rates' currency: the one the artist's works are priced in.
    #[schema(value_type = crate::catalog::domain::CurrencyCode)]
    pub currency: String,
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub domestic_minor: Option<i64>,
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub international_minor: Option<i64>,
    /// Buyers may collect in person.
    #[serde(default)]
    pub collection: bool,
}

async fn own_artist(ctx: &AppContext, principal: &Principal) -> ApiResult<Uuid> {
    principal.require(Permission::SellArtworks)?;
    let mut conn = ctx.db.acquire().await?;
    artist_of_user(&mut conn, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Conflict("create your artist profile first".to_owned()))
}

/// How you ship your works.
#[utoipa::path(get, path = "/api/me/shipping", tag = "commerce", security(("bearer" = [])),
    responses((status = 200, body = ShippingProfile), (status = 403, description = "Not an artist account"), (status = 404, description = "Not set yet"), (status = 409, description = "No artist profile yet")))]
async fn get_shipping(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<ShippingProfile>> {
    let artist_id = own_artist(&ctx, &principal).await?;
    let mut conn = ctx.db.acquire().await?;
    let row = store::shipping_profiles(&mut conn, &[artist_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound("no shipping terms yet".to_owned()))?;
    Ok(Json(ShippingProfile {
        origin_country: row.origin_country,
        currency: row.currency.trim().to_owned(),
        domestic_minor: row.domestic_minor,
        international_minor: row.international_minor,
        collection: row.collection,
    }))
}

/// Set how you ship: from where, at what rates, and whether buyers may collect.
#[utoipa::path(put, path = "/api/me/shipping", tag = "commerce", security(("bearer" = [])), request_body = ShippingProfile,
    responses((status = 200, body = ShippingProfile), (status = 403, description = "Not an artist account"), (status = 409, description = "No artist profile yet"), (status = 422)))]
async fn put_shipping(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiJson(profile): ApiJson<ShippingProfile>,
) -> ApiResult<Json<ShippingProfile>> {
    let artist_id = own_artist(&ctx, &principal).await?;
    let origin = profile.origin_country.trim().to_ascii_uppercase();
    if origin.len() != 2 || isocountry::CountryCode::for_alpha2(&origin).is_err() {
        return Err(ApiError::field("origin_country", "is not an ISO 3166-1 alpha-2 country code"));
    }
    let currency = Price { amount_minor: 0, currency: profile.currency.clone() }
        .validate()
        .map_err(|e| ApiError::field("currency", e.message))?
        .currency;
    for (field, rate) in
        [("domestic_minor", profile.domestic_minor), ("international_minor", profile.international_minor)]
    {
        if rate.is_some_and(|r| !(0..=100_000_000).contains(&r)) {
            return Err(ApiError::field(field, "must be between 0 and 100000000"));
        }
    }
    if profile.domestic_minor.is_none() && profile.international_minor.is_none() && !profile.collection {
        return Err(ApiError::field("", "offer at least one way for buyers to get the works"));
    }
    let row = ShippingRow {
        artist_id,
        origin_country: origin,
        currency,
        domestic_minor: profile.domestic_minor,
        international_minor: profile.international_minor,
        collection: profile.collection,
    };
    let mut conn = ctx.db.acquire().await?;
    store::put_shipping_profile(&mut conn, &row).await?;
    Ok(Json(ShippingProfile {
        origin_country: row.origin_country,
        currency: row.currency,
        domestic_minor: row.domestic_minor,
        international_minor: row.international_minor,
        collection: row.collection,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    pub shipping_address: Address,
    /// Artists whose works you collect in person instead of having them delivered.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub collect_from: Vec<Uuid>,
}

/// One artist's part of a checkout, priced.
struct Part<'a> {
    artist_id: Uuid,
    lines: Vec<(&'a Offer, i32)>,
    subtotal: i64,
    shipping: i64,
    method: ShippingMethod,
}

/// What delivering an artist's works to `country` costs.
pub(super) fn shipping_cost(
    profile: Option<&ShippingRow>,
    artist_name: &str,
    collect: bool,
    country: &str,
    currency: &str,
) -> ApiResult<(i64, ShippingMethod)> {
    let profile = profile.ok_or_else(|| {
        ApiError::Conflict(format!("{artist_name} has not said how they ship yet; remove their works"))
    })?;
    if collect {
        if !profile.collection {
            return Err(ApiError::field("collect_from", format!("{artist_name} does not offer collection")));
        }
        return Ok((0, ShippingMethod::Collection));
    }
    let rate = if profile.origin_country == country { profile.domestic_minor } else { profile.international_minor };
    let rate = rate.ok_or_else(|| {
        ApiError::field("shipping_address.country", format!("{artist_name} does not deliver to {country}"))
    })?;
    if rate > 0 && profile.currency.trim() != currency {
        return Err(ApiError::field(
            "shipping_address",
            format!("{artist_name}'s shipping is priced in {}, the works in {currency}", profile.currency.trim()),
        ));
    }
    Ok((rate, ShippingMethod::Delivery))
}

fn unavailable_message(title: &str, why: &Unavailable) -> String {
    match why {
        Unavailable::NotForSale => format!("\"{title}\" is no longer for sale"),
        Unavailable::Reserved => format!("\"{title}\" is in another buyer's checkout right now"),
        Unavailable::Sold => format!("\"{title}\" was just sold"),
        Unavailable::NotEnoughCopies { available } => format!("only {available} of \"{title}\" are left"),
        Unavailable::PriceChanged { price } => format!(
            "the price of \"{title}\" changed to {} {}: check your cart again",
            price.amount_minor, price.currency
        ),
        Unavailable::OneOfAKind => format!("\"{title}\" is a unique work: the quantity is 1"),
    }
}

/// Check out the cart: checks every price and availability, holds the works
/// for the buyer while they pay (`CHECKOUT_HOLD_MINUTES`), creates one payment
/// and one order per artist, and answers what the browser needs to pay.
/// Requires an `Idempotency-Key`: a retried request answers the same checkout.
#[utoipa::path(post, path = "/api/checkout", tag = "commerce", security(("bearer" = [])), request_body = CheckoutRequest,
    responses(
        (status = 201, body = CheckoutView),
        (status = 409, description = "A work was just sold, is held by another buyer, has fewer copies left, or changed price; the problem names it"),
        (status = 422, description = "Empty cart, mixed currencies, or an address or shipping choice that does not work"),
        (status = 428, description = "Idempotency-Key is missing"),
        (status = 503, description = "The payment provider did not answer; nothing was held"),
    ))]
async fn create_checkout(
    State(ctx): State<AppContext>,
    principal: Principal,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CheckoutRequest>,
) -> ApiResult<(StatusCode, Json<CheckoutView>)> {
    principal.require(Permission::Transact)?;
    if !headers.contains_key(idempotency::IDEMPOTENCY_KEY) {
        return Err(ApiError::PreconditionRequired(
            "send an Idempotency-Key, so that a retried checkout cannot charge twice".to_owned(),
        ));
    }
    let address = request.shipping_address.parse()?;
    if request.collect_from.len() > 50 {
        return Err(ApiError::field("collect_from", "names at most 50 artists"));
    }
    let buyer = principal.user_id;
    let mut conn = ctx.db.acquire().await?;
    let lines = store::cart_lines(&mut conn, buyer).await?;
    if lines.is_empty() {
        return Err(ApiError::field("", "the cart is empty"));
    }
    let ids: Vec<Uuid> = lines.iter().map(|l| l.artwork_id).collect();
    let offers = stock::offers(&mut conn, &ids).await?;
    let mut currency: Option<&str> = None;
    for line in &lines {
        let Some(offer) = offers.iter().find(|o| o.artwork_id == line.artwork_id) else {
            return Err(ApiError::Conflict(
                "a work in your cart is no longer for sale; remove it and check out again".to_owned(),
            ));
        };
        match currency {
            None => currency = Some(offer.price.currency.as_str()),
            Some(c) if c != offer.price.currency => {
                return Err(ApiError::field(
                    "",
                    "the cart holds works priced in different currencies; check them out separately",
                ));
            }
            Some(_) => {}
        }
        if offer.price.amount_minor != line.unit_price_minor || offer.price.currency != line.currency.trim() {
            // The cart learns the new price, so the buyer sees it before trying again.
            store::put_cart_line(
                &mut conn,
                buyer,
                offer.artwork_id,
                line.quantity,
                offer.price.amount_minor,
                &offer.price.currency,
            )
            .await?;
            return Err(ApiError::Conflict(unavailable_message(
                &offer.title,
                &Unavailable::PriceChanged { price: offer.price.clone() },
            )));
        }
    }
    let currency = currency.unwrap_or_default().to_owned();
    let artist_ids: Vec<Uuid> = offers.iter().map(|o| o.artist_id).collect();
    let profiles = store::shipping_profiles(&mut conn, &artist_ids).await?;
    let mut parts: BTreeMap<Uuid, Part<'_>> = BTreeMap::new();
    for line in &lines {
        let offer = offers.iter().find(|o| o.artwork_id == line.artwork_id).expect("checked above");
        let part = parts.entry(offer.artist_id).or_insert_with(|| Part {
            artist_id: offer.artist_id,
            lines: Vec::new(),
            subtotal: 0,
            shipping: 0,
            method: ShippingMethod::Delivery,
        });
        part.lines.push((offer, line.quantity));
        part.subtotal += offer.price.amount_minor * i64::from(line.quantity);
    }
    for part in parts.values_mut() {
        let name = &part.lines[0].0.artist_name;
        let profile = profiles.iter().find(|p| p.artist_id == part.artist_id);
        let collect = request.collect_from.contains(&part.artist_id);
        (part.shipping, part.method) = shipping_cost(profile, name, collect, &address.country, &currency)?;
    }
    let total: i64 = parts.values().map(|p| p.subtotal + p.shipping).sum();
    if total <= 0 {
        return Err(ApiError::field("", "there is nothing to pay for"));
    }
    drop(conn);

    let checkout_id = Uuid::now_v7();
    let now = Utc::now();
    let mut later = Later::default();
    let mut tx = ctx.db.begin().await?;
    // Holds first: of buyers racing for a work, all but one stop here, before
    // any payment exists.
    for part in parts.values() {
        for (offer, quantity) in &part.lines {
            match stock::hold(&mut tx, offer.artwork_id, *quantity, Terms::Listed(&offer.price)).await? {
                Ok(held) => later.extend(Later::from(held.after_commit)),
                Err(why) => return Err(ApiError::Conflict(unavailable_message(&offer.title, &why))),
            }
        }
    }
    let key = IdempotencyKey::new(checkout_id, "create", 0);
    let transfer_group = checkout_id.to_string();
    let payment = ctx
        .payments
        .create_payment(&NewPayment {
            amount_minor: total,
            currency: &currency,
            transfer_group: &transfer_group,
            description: "Atelier checkout",
            off_session: None,
            idempotency_key: &key,
        })
        .await
        .map_err(provider_error)?;
    let expires_at = now + chrono::Duration::from_std(ctx.config.commerce.hold_for).unwrap_or(chrono::Duration::MAX);
    store::insert_checkout(
        &mut tx,
        &NewCheckout {
            id: checkout_id,
            buyer_id: buyer,
            currency: &currency,
            total_minor: total,
            provider: ctx.payments.name(),
            payment_intent_id: &payment.id,
            client_secret: &payment.client_secret,
            shipping_address: serde_json::to_value(&address).map_err(anyhow::Error::from)?,
            expires_at,
        },
    )
    .await?;
    for part in parts.values() {
        for (offer, quantity) in &part.lines {
            store::insert_hold(&mut tx, checkout_id, offer.artwork_id, *quantity).await?;
        }
    }
    let terms = &ctx.config.commerce;
    for part in parts.values() {
        let split = Split::of(part.subtotal, part.shipping, terms.commission_bps, terms.fee_bps);
        let order = OrderRow {
            id: Uuid::now_v7(),
            checkout_id,
            buyer_id: buyer,
            artist_id: part.artist_id,
            status: OrderStatus::PendingPayment,
            currency: currency.clone(),
            subtotal_minor: part.subtotal,
            shipping_minor: part.shipping,
            total_minor: part.subtotal + part.shipping,
            commission_minor: split.commission_minor,
            fees_minor: split.fees_minor,
            net_minor: split.net_minor,
            shipping_method: part.method,
            carrier: None,
            tracking_number: None,
            accept_by: None,
            ship_by: None,
            receive_by: None,
            release_at: None,
            created_at: now,
            updated_at: now,
        };
        store::insert_order(&mut tx, &order).await?;
        for (offer, quantity) in &part.lines {
            store::insert_line(
                &mut tx,
                &LineRow {
                    order_id: order.id,
                    artwork_id: offer.artwork_id,
                    title: offer.title.clone(),
                    edition_kind: offer.edition_kind,
                    quantity: *quantity,
                    unit_price_minor: offer.price.amount_minor,
                },
            )
            .await?;
        }
        store::insert_outbox(
            &mut tx,
            "order.created",
            order.id,
            json!({ "order_id": order.id, "checkout_id": checkout_id, "buyer_id": buyer, "artist_id": part.artist_id }),
        )
        .await?;
    }
    store::remove_cart_lines(&mut tx, buyer, &ids).await?;
    tx.commit().await?;
    later.run(&ctx).await;
    let view = checkout_view(&ctx, checkout_id, buyer).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The buyer's checkout with its payment as the provider reports it now.
async fn checkout_view(ctx: &AppContext, checkout_id: Uuid, buyer: Uuid) -> ApiResult<CheckoutView> {
    let mut conn = ctx.db.acquire().await?;
    let checkout = own_checkout(&mut conn, checkout_id, buyer).await?;
    let payment = ctx.payments.payment(&checkout.payment_intent_id).await.map_err(provider_error)?;
    let rows = store::orders_of(&mut conn, checkout_id).await?;
    let orders = views::orders(&mut conn, rows).await?;
    Ok(CheckoutView {
        id: checkout.id,
        status: checkout.status,
        expires_at: checkout.expires_at,
        total: Money::new(checkout.total_minor, &checkout.currency),
        payment: PaymentView {
            provider: checkout.provider,
            payment_id: checkout.payment_intent_id,
            client_secret: checkout.client_secret,
            publishable_key: ctx.payments.publishable_key().map(str::to_owned),
            state: payment.state,
            decline: payment.last_decline,
        },
        orders,
    })
}

async fn own_checkout(conn: &mut sqlx::PgConnection, checkout_id: Uuid, buyer: Uuid) -> ApiResult<CheckoutRow> {
    store::checkout(conn, checkout_id)
        .await?
        .filter(|c| c.buyer_id == buyer)
        .ok_or_else(|| ApiError::NotFound("no such checkout".to_owned()))
}

/// One of your checkouts, with its payment and orders.
#[utoipa::path(get, path = "/api/checkouts/{id}", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CheckoutView), (status = 404), (status = 503, description = "The payment provider did not answer")))]
async fn get_checkout(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CheckoutView>> {
    Ok(Json(checkout_view(&ctx, id, principal.user_id).await?))
}

/// After paying in the browser: brings the checkout in line with the payment
/// now rather than waiting for the provider's event. Safe to call any number
/// of times, before or after the event.
#[utoipa::path(post, path = "/api/checkouts/{id}/confirm", tag = "commerce", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CheckoutView), (status = 404), (status = 503, description = "The payment provider did not answer")))]
async fn confirm_checkout(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CheckoutView>> {
    let mut conn = ctx.db.acquire().await?;
    let checkout = own_checkout(&mut conn, id, principal.user_id).await?;
    drop(conn);
    let payment = ctx.payments.payment(&checkout.payment_intent_id).await.map_err(provider_error)?;
    let mut tx = ctx.db.begin().await?;
    let later = process::apply_payment(&mut tx, &ctx, id, &payment, Utc::now()).await?;
    tx.commit().await?;
    later.run(&ctx).await;
    Ok(Json(checkout_view(&ctx, id, principal.user_id).await?))
}
