//! The offer routes: a work's offer terms, making an offer, the
//! negotiations of a collector or an artist, and answering them.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    FirstOffer,
    domain::{NegotiationStatus, Note, OfferStatus, Party},
    side_of,
    store::{self, NegotiationRow, OfferRow, Side},
};
use crate::{
    app::AppContext,
    auth::{MaybePrincipal, Permission, Principal},
    catalog::{artists::artist_of_user, artworks::stock},
    commerce::{
        domain::{Address, Money},
        store as commerce,
    },
    platform::http::{
        ApiJson, ApiPath, ApiQuery,
        error::{ApiError, ApiResult},
        idempotency,
        rate_limit::{self, Limit},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(get_offer_terms, put_offer_terms, delete_offer_terms))
        .routes(rate_limit::limited(Limit::Interactions, idempotency::keyed(routes!(make_offer))))
        .routes(routes!(list_negotiations))
        .routes(routes!(get_negotiation))
        .routes(idempotency::keyed(routes!(accept_offer)))
        .routes(rate_limit::limited(Limit::Interactions, routes!(counter_offer)))
        .routes(routes!(decline_offer))
        .routes(routes!(withdraw_offer))
}

/// Whether a work takes offers.
#[derive(Serialize, ToSchema)]
pub struct OfferTermsView {
    pub artwork_id: Uuid,
    pub accepts_offers: bool,
    /// The currency offers are made in: the work's.
    #[schema(value_type = crate::catalog::domain::CurrencyCode)]
    pub currency: String,
    /// The private floor: shown to the work's artist only.
    pub floor_minor: Option<i64>,
}

/// The work's artist, if the caller is its artist.
async fn owns(ctx: &AppContext, principal: &Principal, artist_id: Uuid) -> ApiResult<bool> {
    if !principal.can(Permission::SellArtworks) {
        return Ok(false);
    }
    let mut conn = ctx.db.acquire().await?;
    Ok(artist_of_user(&mut conn, principal.user_id).await? == Some(artist_id))
}

async fn work_on_sale(ctx: &AppContext, artwork_id: Uuid) -> ApiResult<stock::Offer> {
    let mut conn = ctx.db.acquire().await?;
    stock::offers(&mut conn, &[artwork_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound("no such work for sale".to_owned()))
}

/// Whether a work takes offers, in which currency; its artist also sees the floor.
#[utoipa::path(get, path = "/api/artworks/{id}/offer-terms", tag = "offers",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = OfferTermsView), (status = 404, description = "No such work on view")))]
async fn get_offer_terms(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OfferTermsView>> {
    let work = work_on_sale(&ctx, id).await?;
    let mut conn = ctx.db.acquire().await?;
    let terms = store::terms(&mut conn, id).await?;
    drop(conn);
    let artist = match &principal {
        Some(p) => owns(&ctx, p, work.artist_id).await?,
        None => false,
    };
    Ok(Json(OfferTermsView {
        artwork_id: id,
        accepts_offers: terms.is_some(),
        currency: work.price.currency,
        floor_minor: terms.flatten().filter(|_| artist),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferTermsRequest {
    /// Offers below it are declined automatically, without reaching you.
    /// In the work's currency's minor units, at most its price.
    #[schema(minimum = 1)]
    pub floor_minor: Option<i64>,
}

/// Open your work to offers, or change its floor.
#[utoipa::path(put, path = "/api/artworks/{id}/offer-terms", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = OfferTermsRequest,
    responses((status = 200, body = OfferTermsView), (status = 403, description = "Not your work"),
        (status = 404, description = "No such work on view"), (status = 422, description = "A floor of 0 or above the price")))]
async fn put_offer_terms(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<OfferTermsRequest>,
) -> ApiResult<Json<OfferTermsView>> {
    let work = work_on_sale(&ctx, id).await?;
    if !owns(&ctx, &principal, work.artist_id).await? {
        return Err(ApiError::Forbidden("only the work's artist sets its offer terms".to_owned()));
    }
    if let Some(floor) = request.floor_minor
        && !(1..=work.price.amount_minor).contains(&floor)
    {
        return Err(ApiError::field(
            "floor_minor",
            format!("must be between 1 and the work's price, {}", work.price.amount_minor),
        ));
    }
    let mut conn = ctx.db.acquire().await?;
    store::put_terms(&mut conn, id, request.floor_minor).await?;
    Ok(Json(OfferTermsView {
        artwork_id: id,
        accepts_offers: true,
        currency: work.price.currency,
        floor_minor: request.floor_minor,
    }))
}

/// Stop taking new offers on your work. Negotiations already open go on.
#[utoipa::path(delete, path = "/api/artworks/{id}/offer-terms", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, description = "Not your work"), (status = 404, description = "No such work on view")))]
async fn delete_offer_terms(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let work = work_on_sale(&ctx, id).await?;
    if !owns(&ctx, &principal, work.artist_id).await? {
        return Err(ApiError::Forbidden("only the work's artist sets its offer terms".to_owned()));
    }
    let mut conn = ctx.db.acquire().await?;
    store::delete_terms(&mut conn, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One offer in a negotiation.
#[derive(Serialize, ToSchema)]
pub struct OfferView {
    pub id: Uuid,
    /// Who made it.
    pub party: Party,
    pub amount: Money,
    pub note: Option<String>,
    pub status: OfferStatus,
    /// When it expires if nobody answers it first.
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it ended, where a reason was given.
    pub reason: Option<String>,
}

/// What the viewer may do now.
#[derive(Clone, Copy, Serialize, ToSchema, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum OfferAction {
    Accept,
    Decline,
    Counter,
    /// Replace your own pending offer with another amount.
    Revise,
    Withdraw,
}

/// A negotiation over a work, as one of its parties sees it.
#[derive(Serialize, ToSchema)]
pub struct NegotiationView {
    pub id: Uuid,
    pub artwork_id: Uuid,
    pub artwork_title: String,
    pub artist_id: Uuid,
    pub artist_name: String,
    pub artist_slug: String,
    /// The collector, by display name.
    pub buyer_name: String,
    pub status: NegotiationStatus,
    /// The viewer's side.
    pub you_are: Party,
    /// Whose answer the pending offer awaits; none once the negotiation is over.
    pub awaiting: Option<Party>,
    /// When the pending offer expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// What the viewer may do now, with the pending offer's id as `offer_id`.
    pub actions: Vec<OfferAction>,
    /// The latest offer.
    pub latest: OfferView,
    /// Every offer, oldest first.
    pub offers: Vec<OfferView>,
    /// The order an accepted offer became.
    pub order_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn offer_view(row: &OfferRow, currency: &str) -> OfferView {
    OfferView {
        id: row.id,
        party: row.party,
        amount: Money::new(row.amount_minor, currency),
        note: row.note.clone(),
        status: row.status,
        expires_at: row.expires_at,
        created_at: row.created_at,
        decided_at: row.decided_at,
        reason: row.reason.clone(),
    }
}

async fn views(
    conn: &mut sqlx::PgConnection,
    rows: Vec<NegotiationRow>,
    viewer: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<Vec<NegotiationView>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let offers = store::offers_of(conn, &ids).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(you_are) = side_of(&row, viewer) else { continue };
        let currency = row.currency.trim();
        let own: Vec<&OfferRow> = offers.iter().filter(|o| o.negotiation_id == row.id).collect();
        let Some(latest) = own.last() else { continue };
        let pending = (latest.status == OfferStatus::Pending && latest.expires_at > now).then_some(*latest);
        let actions = match pending {
            Some(p) if p.party == you_are => vec![OfferAction::Revise, OfferAction::Withdraw],
            Some(_) => vec![OfferAction::Accept, OfferAction::Counter, OfferAction::Decline],
            None => Vec::new(),
        };
        let order_id = match row.checkout_id {
            Some(checkout) => commerce::orders_of(conn, checkout).await?.first().map(|o| o.id),
            None => None,
        };
        views.push(NegotiationView {
            id: row.id,
            artwork_id: row.artwork_id,
            artwork_title: row.artwork_title.clone(),
            artist_id: row.artist_id,
            artist_name: row.artist_name.clone(),
            artist_slug: row.artist_slug.clone(),
            buyer_name: row.buyer_name.clone(),
            status: row.status,
            you_are,
            awaiting: pending.map(|p| p.party.other()),
            expires_at: pending.map(|p| p.expires_at),
            actions,
            latest: offer_view(latest, currency),
            offers: own.iter().map(|o| offer_view(o, currency)).collect(),
            order_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        });
    }
    Ok(views)
}

async fn view(ctx: &AppContext, id: Uuid, viewer: Uuid) -> ApiResult<NegotiationView> {
    let mut conn = ctx.db.acquire().await?;
    let row = store::negotiation(&mut conn, id).await?.ok_or_else(super::gone)?;
    views(&mut conn, vec![row], viewer, Utc::now()).await?.pop().ok_or_else(super::gone)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MakeOfferRequest {
    /// In the work's currency's minor units; at most its price.
    #[schema(minimum = 1)]
    pub amount_minor: i64,
    /// For the artist, up to 1,000 characters of plain text.
    #[schema(max_length = 1000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub note: Option<String>,
    /// Where the work goes if the offer is accepted.
    pub shipping_address: Address,
    /// Collect the work in person instead (where the artist offers it).
    #[serde(default)]
    pub collect: bool,
}

/// Make an offer on a work its artist opened to offers. You need a saved
/// card (`POST /api/me/payment-methods`): if the artist accepts, the offer
/// and shipping are charged to it at once. An offer below the artist's
/// private floor is declined straight away, politely, without reaching them
/// (201, with the negotiation `declined`). Send an `Idempotency-Key` to retry safely.
#[utoipa::path(post, path = "/api/artworks/{id}/offers", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = MakeOfferRequest,
    responses(
        (status = 201, body = NegotiationView),
        (status = 403, description = "Your own work, or one of you blocked the other"),
        (status = 404, description = "No such work for sale"),
        (status = 409, description = "The work takes no offers or is no longer available, you have no saved card, or you already have an open offer on it"),
        (status = 422, description = "An amount of 0 or above the price, a note too long, or an address or delivery the artist cannot serve"),
    ))]
async fn make_offer(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<MakeOfferRequest>,
) -> ApiResult<(StatusCode, Json<NegotiationView>)> {
    principal.require(Permission::Transact)?;
    let note = Note::parse("note", request.note.as_deref())?;
    let address = request.shipping_address.parse()?;
    let first =
        FirstOffer { artwork_id: id, amount_minor: request.amount_minor, note, address, collect: request.collect };
    let negotiation = super::make(&ctx, principal.user_id, first, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view(&ctx, negotiation, principal.user_id).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NegotiationQuery {
    /// `buyer` (default): offers you made; `artist`: offers on your works.
    #[serde(default)]
    #[param(inline)]
    pub role: NegotiationRole,
    /// Only negotiations still open.
    #[serde(default)]
    pub open: bool,
    /// The last negotiation of the previous page.
    pub before: Option<Uuid>,
}

#[derive(Deserialize, ToSchema, Default, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum NegotiationRole {
    #[default]
    Buyer,
    Artist,
}

#[derive(Serialize, ToSchema)]
pub struct NegotiationPage {
    pub items: Vec<NegotiationView>,
    /// Pass as `before` for the next page; none on the last.
    pub next_before: Option<Uuid>,
}

const PAGE_SIZE: i64 = 25;

/// Your negotiations, most recently active first: those you started as a
/// collector, or those on your works as an artist, each with its deadline.
#[utoipa::path(get, path = "/api/offers", tag = "offers", security(("bearer" = [])), params(NegotiationQuery),
    responses((status = 200, body = NegotiationPage), (status = 403, description = "Not an artist account (role=artist)"),
        (status = 409, description = "No artist profile yet (role=artist)")))]
async fn list_negotiations(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<NegotiationQuery>,
) -> ApiResult<Json<NegotiationPage>> {
    principal.require(Permission::Interact)?;
    let mut conn = ctx.db.acquire().await?;
    let side = match query.role {
        NegotiationRole::Buyer => Side::Buyer(principal.user_id),
        NegotiationRole::Artist => {
            principal.require(Permission::SellArtworks)?;
            let artist = artist_of_user(&mut conn, principal.user_id)
                .await?
                .ok_or_else(|| ApiError::Conflict("create your artist profile first".to_owned()))?;
            Side::Artist(artist)
        }
    };
    let mut rows = store::list(&mut conn, side, query.open, query.before, PAGE_SIZE + 1).await?;
    let more = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let next_before = if more { rows.last().map(|r| r.id) } else { None };
    let items = views(&mut conn, rows, principal.user_id, Utc::now()).await?;
    Ok(Json(NegotiationPage { items, next_before }))
}

/// A negotiation you take part in, with every offer in it.
#[utoipa::path(get, path = "/api/offers/{id}", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = NegotiationView), (status = 404)))]
async fn get_negotiation(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<NegotiationView>> {
    Ok(Json(view(&ctx, id, principal.user_id).await?))
}

/// Names the offer an answer is to: it must still be the pending one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub offer_id: Uuid,
}

/// Accept the pending offer, which awaits you. The agreed price and shipping
/// are charged to the collector's saved card at once and the order is made,
/// paid and accepted. If the work sold meanwhile the negotiation ends (409);
/// if the card is refused the offer stands, the collector is asked to update
/// it, and you are told (409).
#[utoipa::path(post, path = "/api/offers/{id}/accept", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = AnswerRequest,
    responses(
        (status = 200, body = NegotiationView, description = "Accepted: `order_id` is the order"),
        (status = 403, description = "The offer awaits the other party"),
        (status = 404),
        (status = 409, description = "The offer is no longer the pending one, expired, the work sold, or the card was refused"),
        (status = 422, description = "The artist no longer delivers to the collector's address"),
        (status = 503, description = "The payment provider did not answer; nothing changed"),
    ))]
async fn accept_offer(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<AnswerRequest>,
) -> ApiResult<Json<NegotiationView>> {
    super::accept(&ctx, principal.user_id, id, request.offer_id, Utc::now()).await?;
    Ok(Json(view(&ctx, id, principal.user_id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterRequest {
    /// The pending offer this one replaces.
    pub offer_id: Uuid,
    #[schema(minimum = 1)]
    pub amount_minor: i64,
    #[schema(max_length = 1000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub note: Option<String>,
}

/// Answer the pending offer with another amount: a counter-offer when it
/// awaits you, a revision of your own offer when you made it (the old one is
/// then `superseded`). A collector's offer below the artist's floor ends the
/// negotiation, declined.
#[utoipa::path(post, path = "/api/offers/{id}/counter", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CounterRequest,
    responses(
        (status = 200, body = NegotiationView),
        (status = 404),
        (status = 409, description = "The offer is no longer the pending one, expired, or the work is no longer available"),
        (status = 422, description = "An amount of 0 or above the price, or a note too long"),
    ))]
async fn counter_offer(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CounterRequest>,
) -> ApiResult<Json<NegotiationView>> {
    let note = Note::parse("note", request.note.as_deref())?;
    super::counter(&ctx, principal.user_id, id, request.offer_id, request.amount_minor, note, Utc::now()).await?;
    Ok(Json(view(&ctx, id, principal.user_id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    pub offer_id: Uuid,
    /// Told to the other party, up to 1,000 characters.
    #[schema(max_length = 1000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub reason: Option<String>,
}

/// Decline the pending offer, which awaits you. The negotiation ends.
#[utoipa::path(post, path = "/api/offers/{id}/decline", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = DeclineRequest,
    responses(
        (status = 200, body = NegotiationView),
        (status = 403, description = "You made the offer: the other party answers it"),
        (status = 404),
        (status = 409, description = "The offer is no longer the pending one, or expired"),
        (status = 422, description = "A reason too long"),
    ))]
async fn decline_offer(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<DeclineRequest>,
) -> ApiResult<Json<NegotiationView>> {
    let reason = Note::parse("reason", request.reason.as_deref())?;
    super::end(&ctx, principal.user_id, id, request.offer_id, OfferStatus::Declined, reason, Utc::now()).await?;
    Ok(Json(view(&ctx, id, principal.user_id).await?))
}

/// Withdraw your own pending offer. The negotiation ends.
#[utoipa::path(post, path = "/api/offers/{id}/withdraw", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = AnswerRequest,
    responses(
        (status = 200, body = NegotiationView),
        (status = 403, description = "The other party made the offer"),
        (status = 404),
        (status = 409, description = "The offer is no longer the pending one, or expired"),
    ))]
async fn withdraw_offer(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<AnswerRequest>,
) -> ApiResult<Json<NegotiationView>> {
    super::end(&ctx, principal.user_id, id, request.offer_id, OfferStatus::Withdrawn, None, Utc::now()).await?;
    Ok(Json(view(&ctx, id, principal.user_id).await?))
}
