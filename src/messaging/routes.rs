//! The conversation routes: ask an artist about a work, write, read, block,
//! report; moderators work through reports.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    domain::MessageBody,
    store::{self, ConversationRow, MessageRow, ReportRow as ReportView},
};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    platform::http::{
        ApiJson, ApiPath, ApiQuery,
        error::{ApiError, ApiResult},
        rate_limit::{self, Limit},
    },
    realtime::{
        self, Channel,
        notifications::{self, Kind},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(rate_limit::limited(Limit::Messages, routes!(ask_artist)))
        .routes(routes!(my_conversations))
        .routes(routes!(get_conversation))
        .routes(routes!(conversation_messages))
        .routes(rate_limit::limited(Limit::Messages, routes!(send_message)))
        .routes(routes!(mark_conversation_read))
        .routes(routes!(block_in_conversation, unblock_in_conversation))
        .routes(rate_limit::limited(Limit::Messages, routes!(report_conversation)))
        .routes(routes!(conversation_reports))
        .routes(routes!(resolve_conversation_report))
}

const PAGE_SIZE: i64 = 30;

/// The other side of a conversation, by name only.
#[derive(Serialize, ToSchema)]
pub struct Party {
    pub user_id: Uuid,
    pub name: String,
    /// The artist's profile, for the artist side.
    pub artist_slug: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationView {
    pub id: Uuid,
    pub artwork_id: Uuid,
    pub artwork_title: String,
    pub collector: Party,
    pub artist: Party,
    /// Messages from the other side you have not read.
    pub unread: i64,
    /// Your messages up to this one have been read by the other side.
    pub their_last_read_id: Option<Uuid>,
    /// Whether you blocked the other side.
    pub blocked: bool,
    pub last_message: Option<LastMessage>,
    pub created_at: DateTime<Utc>,
    pub last_message_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct LastMessage {
    pub sender_id: Uuid,
    /// The message's start, at most 140 characters.
    pub excerpt: String,
}

fn excerpt(body: &str) -> String {
    body.chars().take(140).collect()
}

fn view(row: ConversationRow) -> ConversationView {
    ConversationView {
        id: row.id,
        artwork_id: row.artwork_id,
        artwork_title: row.artwork_title,
        collector: Party { user_id: row.collector_id, name: row.collector_name, artist_slug: None },
        artist: Party {
            user_id: row.artist_user_id,
            name: row.artist_name.unwrap_or_else(|| "The artist".to_owned()),
            artist_slug: row.artist_slug,
        },
        unread: row.unread,
        their_last_read_id: row.their_last_read_id,
        blocked: row.blocked,
        last_message: match (row.last_sender_id, row.last_body) {
            (Some(sender_id), Some(body)) => Some(LastMessage { sender_id, excerpt: excerpt(&body) }),
            _ => None,
        },
        created_at: row.created_at,
        last_message_at: row.last_message_at,
    }
}

/// One message. `body` is plain text: show it as text, never as markup.
#[derive(Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub sender_id: Uuid,
    pub body: String,
    /// Set when the message is a step in a negotiation: the offer it tells
    /// of (`GET /api/offers/{negotiation}` has them all).
    pub offer_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<MessageRow> for MessageView {
    fn from(row: MessageRow) -> Self {
        Self {
            id: row.id,
            conversation_id: row.conversation_id,
            sender_id: row.sender_id,
            body: row.body,
            offer_id: row.offer_id,
            created_at: row.created_at,
        }
    }
}

fn body(raw: &str) -> ApiResult<MessageBody> {
    MessageBody::parse(raw).map_err(|message| ApiError::field("body", message))
}

/// A conversation the caller may read, as they see it; 404 for any other.
async fn readable(ctx: &AppContext, principal: &Principal, id: Uuid) -> ApiResult<ConversationRow> {
    let mut conn = ctx.db.acquire().await?;
    if !super::can_read(&mut conn, id, principal).await? {
        return Err(ApiError::NotFound("no such conversation".to_owned()));
    }
    store::conversation(&mut conn, principal.user_id, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such conversation".to_owned()))
}

/// A conversation the caller takes part in (moderators read, never write).
async fn joined(ctx: &AppContext, principal: &Principal, id: Uuid) -> ApiResult<ConversationRow> {
    let row = readable(ctx, principal, id).await?;
    if principal.user_id != row.collector_id && principal.user_id != row.artist_user_id {
        return Err(ApiError::Forbidden("only its participants write in a conversation".to_owned()));
    }
    Ok(row)
}

fn other_side(row: &ConversationRow, me: Uuid) -> Uuid {
    if row.collector_id == me { row.artist_user_id } else { row.collector_id }
}

/// Writes a message with its event and the other side's notification, on
/// the caller's transaction.
async fn write(
    conn: &mut sqlx::PgConnection,
    conversation: &ConversationRow,
    sender: Uuid,
    sender_name: &str,
    text: &MessageBody,
) -> ApiResult<MessageView> {
    let message = MessageView::from(store::insert_message(conn, conversation.id, sender, text.as_str(), None).await?);
    let event = serde_json::to_value(&message).expect("a message serialises");
    realtime::publish(conn, Channel::Conversation(conversation.id), "message", &event).await?;
    notifications::notify(
        conn,
        other_side(conversation, sender),
        Kind::Message,
        &format!("message:{}", message.id),
        json!({
            "conversation_id": conversation.id,
            "message_id": message.id,
            "artwork_id": conversation.artwork_id,
            "artwork_title": conversation.artwork_title,
            "from": sender_name,
            "excerpt": excerpt(&message.body),
        }),
    )
    .await?;
    Ok(message)
}

fn name_in(row: &ConversationRow, user: Uuid) -> String {
    if row.collector_id == user {
        row.collector_name.clone()
    } else {
        row.artist_name.clone().unwrap_or_else(|| "The artist".to_owned())
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InquiryRequest {
    pub artwork_id: Uuid,
    /// Plain text of up to 4,000 characters: line breaks and tabs, no other
    /// control characters, something besides white space.
    #[schema(
        max_length = 4000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub struct InquiryView {
    pub conversation: ConversationView,
    pub message: MessageView,
}

/// Ask the artist about a work. Asking again about the same work continues
/// the same conversation (answered 200 rather than 201).
#[utoipa::path(post, path = "/api/conversations", tag = "conversations", security(("bearer" = [])),
    request_body = InquiryRequest,
    responses(
        (status = 201, body = InquiryView, description = "A new conversation"),
        (status = 200, body = InquiryView, description = "The message joined your existing conversation about the work"),
        (status = 403, description = "One of you blocked the other"),
        (status = 404, description = "No such work on view"),
        (status = 409, description = "The work is yours, or its artist has no account to answer"),
        (status = 422),
    ))]
async fn ask_artist(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiJson(request): ApiJson<InquiryRequest>,
) -> ApiResult<(StatusCode, Json<InquiryView>)> {
    principal.require(Permission::Transact)?;
    let text = body(&request.body)?;
    let mut tx = ctx.db.begin().await?;
    let artist_user = match store::artwork_artist_account(&mut tx, request.artwork_id).await? {
        None => return Err(ApiError::NotFound("no such artwork".to_owned())),
        Some(None) => return Err(ApiError::Conflict("this work's artist has no account to answer".to_owned())),
        Some(Some(user)) => user,
    };
    if artist_user == principal.user_id {
        return Err(ApiError::Conflict("this is your own work".to_owned()));
    }
    if store::blocked_between(&mut tx, principal.user_id, artist_user).await? {
        return Err(ApiError::Forbidden("you cannot message this artist".to_owned()));
    }
    let (id, created) = store::open_conversation(&mut tx, request.artwork_id, principal.user_id, artist_user).await?;
    let row = store::conversation(&mut tx, principal.user_id, id).await?.expect("just opened");
    let message = write(&mut tx, &row, principal.user_id, &row.collector_name, &text).await?;
    let row = store::conversation(&mut tx, principal.user_id, id).await?.expect("just written");
    tx.commit().await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(InquiryView { conversation: view(row), message })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9]{1,20}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationPage {
    pub items: Vec<ConversationView>,
    pub next_cursor: Option<String>,
}

fn parse_inbox_cursor(cursor: &str) -> ApiResult<(DateTime<Utc>, Uuid)> {
    let bad = || ApiError::field("cursor", "use the next_cursor of the previous page");
    let (micros, id) = cursor.split_once('.').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((at, Uuid::parse_str(id).map_err(|_| bad())?))
}

/// Your conversations, most recently active first, with unread counts.
#[utoipa::path(get, path = "/api/conversations", tag = "conversations", security(("bearer" = [])), params(InboxQuery),
    responses((status = 200, body = ConversationPage), (status = 422)))]
async fn my_conversations(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> ApiResult<Json<ConversationPage>> {
    let after = query.cursor.as_deref().map(parse_inbox_cursor).transpose()?;
    let mut conn = ctx.db.acquire().await?;
    let mut rows = store::inbox(&mut conn, principal.user_id, after, PAGE_SIZE + 1).await?;
    let more = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let next_cursor =
        if more { rows.last().map(|r| format!("{}.{}", r.last_message_at.timestamp_micros(), r.id)) } else { None };
    Ok(Json(ConversationPage { items: rows.into_iter().map(view).collect(), next_cursor }))
}

/// One conversation, as you see it.
#[utoipa::path(get, path = "/api/conversations/{id}", tag = "conversations", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ConversationView), (status = 404)))]
async fn get_conversation(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ConversationView>> {
    Ok(Json(view(readable(&ctx, &principal, id).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// `next_before` of the previous page: older messages.
    #[param(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub before: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct MessagePage {
    /// Newest first.
    pub items: Vec<MessageView>,
    pub next_before: Option<Uuid>,
}

/// A conversation's messages, newest first.
#[utoipa::path(get, path = "/api/conversations/{id}/messages", tag = "conversations", security(("bearer" = [])),
    params(("id" = Uuid, Path), MessagesQuery), responses((status = 200, body = MessagePage), (status = 404)))]
async fn conversation_messages(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> ApiResult<Json<MessagePage>> {
    readable(&ctx, &principal, id).await?;
    let mut conn = ctx.db.acquire().await?;
    let mut rows = store::messages(&mut conn, id, query.before, PAGE_SIZE + 1).await?;
    let more = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let next_before = if more { rows.last().map(|r| r.id) } else { None };
    Ok(Json(MessagePage { items: rows.into_iter().map(MessageView::from).collect(), next_before }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// Plain text of up to 4,000 characters: line breaks and tabs, no other
    /// control characters, something besides white space.
    #[schema(
        max_length = 4000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub body: String,
}

/// Write in a conversation you take part in.
#[utoipa::path(post, path = "/api/conversations/{id}/messages", tag = "conversations", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = MessageRequest,
    responses((status = 201, body = MessageView), (status = 403, description = "A moderator, or one of you blocked the other"),
        (status = 404), (status = 422)))]
async fn send_message(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<MessageRequest>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    let text = body(&request.body)?;
    principal.require(Permission::Transact)?;
    let row = joined(&ctx, &principal, id).await?;
    let mut tx = ctx.db.begin().await?;
    if store::blocked_between(&mut tx, row.collector_id, row.artist_user_id).await? {
        return Err(ApiError::Forbidden("one of you blocked the other".to_owned()));
    }
    let message = write(&mut tx, &row, principal.user_id, &name_in(&row, principal.user_id), &text).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(message)))
}

#[derive(Serialize, ToSchema)]
pub struct ReadMark {
    /// Every message up to this one is read; none when there is no message.
    pub last_read_id: Option<Uuid>,
}

/// Mark the conversation read up to its newest message. The other side sees
/// the receipt live.
#[utoipa::path(post, path = "/api/conversations/{id}/read", tag = "conversations", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ReadMark), (status = 403), (status = 404)))]
async fn mark_conversation_read(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ReadMark>> {
    joined(&ctx, &principal, id).await?;
    let mut tx = ctx.db.begin().await?;
    let mark = store::mark_read(&mut tx, id, principal.user_id).await?;
    if let Some(last_read_id) = mark {
        let event = json!({ "user_id": principal.user_id, "last_read_id": last_read_id });
        realtime::publish(&mut tx, Channel::Conversation(id), "read", &event).await?;
    }
    tx.commit().await?;
    Ok(Json(ReadMark { last_read_id: mark }))
}

/// Block the other side: neither of you can write to the other until you
/// unblock. They are not told.
#[utoipa::path(put, path = "/api/conversations/{id}/block", tag = "conversations", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 403), (status = 404)))]
async fn block_in_conversation(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let row = joined(&ctx, &principal, id).await?;
    let mut conn = ctx.db.acquire().await?;
    store::block(&mut conn, principal.user_id, other_side(&row, principal.user_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unblock the other side.
#[utoipa::path(delete, path = "/api/conversations/{id}/block", tag = "conversations", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 403), (status = 404)))]
async fn unblock_in_conversation(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let row = joined(&ctx, &principal, id).await?;
    let mut conn = ctx.db.acquire().await?;
    store::unblock(&mut conn, principal.user_id, other_side(&row, principal.user_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// What is wrong: up to 1,000 characters, line breaks and tabs but no
    /// other control characters, something besides white space.
    #[schema(
        max_length = 1000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub reason: String,
}

fn short_text(field: &str, raw: &str) -> ApiResult<String> {
    crate::catalog::domain::bounded_text(raw, 1000, true).map_err(|message| ApiError::field(field, message))
}

/// Report a conversation to the moderators, who may then read it. Reporting
/// again while your report is open changes nothing.
#[utoipa::path(post, path = "/api/conversations/{id}/reports", tag = "conversations", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ReportRequest,
    responses((status = 201, body = ReportView), (status = 403), (status = 404), (status = 422)))]
async fn report_conversation(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ReportRequest>,
) -> ApiResult<(StatusCode, Json<ReportView>)> {
    let reason = short_text("reason", &request.reason)?;
    joined(&ctx, &principal, id).await?;
    let mut conn = ctx.db.acquire().await?;
    let report_id = store::report(&mut conn, id, principal.user_id, &reason).await?;
    let report = store::report_by_id(&mut conn, report_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such report".to_owned()))?;
    Ok((StatusCode::CREATED, Json(report)))
}

fn moderator(principal: &Principal) -> ApiResult<()> {
    principal.require(Permission::ModerateCatalog)
}

/// Moderators: open reports on conversations, oldest first.
#[utoipa::path(get, path = "/api/conversation-reports", tag = "conversations", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReportView>), (status = 403)))]
async fn conversation_reports(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<Vec<ReportView>>> {
    moderator(&principal)?;
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(store::open_reports(&mut conn, 100).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// What was done: up to 1,000 characters, line breaks and tabs but no
    /// other control characters, something besides white space.
    #[schema(
        max_length = 1000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub resolution: String,
}

/// Moderators: close a report with what was done. The conversation is
/// private again unless another report on it is open.
#[utoipa::path(post, path = "/api/conversation-reports/{id}/resolve", tag = "conversations", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ResolveRequest,
    responses((status = 200, body = ReportView), (status = 403), (status = 404, description = "No such open report"), (status = 422)))]
async fn resolve_conversation_report(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ResolveRequest>,
) -> ApiResult<Json<ReportView>> {
    moderator(&principal)?;
    let resolution = short_text("resolution", &request.resolution)?;
    let mut conn = ctx.db.acquire().await?;
    let report = store::resolve_report(&mut conn, id, principal.user_id, &resolution)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such open report".to_owned()))?;
    Ok(Json(report))
}

/// A step in a negotiation over a work, for its conversation.
pub struct OfferLine<'a> {
    pub artwork_id: Uuid,
    pub collector_id: Uuid,
    pub artist_user_id: Uuid,
    /// Who took the step (for a step nobody took, such as an expiry, the
    /// author of the offer it ends).
    pub sender_id: Uuid,
    pub offer_id: Uuid,
    pub body: &'a str,
}

/// Tells a step in a negotiation in the work's conversation between the
/// collector and the artist, started if need be, live to both. Negotiations
/// notify the parties themselves, so it adds no message notification.
pub async fn post_offer_line(conn: &mut sqlx::PgConnection, line: &OfferLine<'_>) -> sqlx::Result<Uuid> {
    let (conversation_id, _) =
        store::open_conversation(conn, line.artwork_id, line.collector_id, line.artist_user_id).await?;
    let message = MessageView::from(
        store::insert_message(conn, conversation_id, line.sender_id, line.body, Some(line.offer_id)).await?,
    );
    let event = serde_json::to_value(&message).expect("a message serialises");
    realtime::publish(conn, Channel::Conversation(conversation_id), "message", &event).await?;
    Ok(conversation_id)
}
