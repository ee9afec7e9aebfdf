//! Artists' payouts: connecting a payout account at the provider, and the
//! balance of what is pending, available and paid out.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    domain::Money,
    process::provider_error,
    store::{self, PayoutAccountRow},
};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    catalog::artists::artist_of_user,
    platform::{
        http::error::{ApiError, ApiResult},
        payments::IdempotencyKey,
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(routes!(get_payouts)).routes(routes!(connect_account))
}

#[derive(Serialize, ToSchema)]
pub struct PayoutAccountView {
    pub provider: String,
    pub payouts_enabled: bool,
    /// What the provider still needs before it pays out.
    pub requirements: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Balance {
    /// Captured for orders that have not completed yet.
    pub pending: Money,
    /// Owed for completed orders, not yet paid out.
    pub available: Money,
    pub paid_out: Money,
}

#[derive(Serialize, ToSchema)]
pub struct PayoutsView {
    pub account: Option<PayoutAccountView>,
    /// Why money waits, when it does.
    pub notice: Option<String>,
    /// One balance per currency sold in.
    pub balances: Vec<Balance>,
}

async fn own_artist(ctx: &AppContext, principal: &Principal) -> ApiResult<Uuid> {
    principal.require(Permission::SellArtworks)?;
    let mut conn = ctx.db.acquire().await?;
    artist_of_user(&mut conn, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Conflict("create your artist profile first".to_owned()))
}

async fn view(ctx: &AppContext, artist_id: Uuid) -> ApiResult<PayoutsView> {
    let mut conn = ctx.db.acquire().await?;
    let account = store::payout_account(&mut conn, artist_id).await?;
    let balances: Vec<Balance> = store::balances(&mut conn, artist_id)
        .await?
        .into_iter()
        .map(|b| Balance {
            pending: Money::new(b.pending, &b.currency),
            available: Money::new(b.available, &b.currency),
            paid_out: Money::new(b.paid_out, &b.currency),
        })
        .collect();
    let waiting = balances.iter().any(|b| b.available.amount_minor > 0);
    let notice = match &account {
        None if waiting => {
            Some("Connect a payout account: completed sales are paid out once it is enabled.".to_owned())
        }
        None => Some("Connect a payout account to be paid for your sales.".to_owned()),
        Some(a) if !a.payouts_enabled => Some(format!(
            "Your payout account is not enabled yet{}; money waits until it is.",
            if a.requirements.is_empty() {
                String::new()
            } else {
                format!(" (still needed: {})", a.requirements.join(", "))
            }
        )),
        Some(_) => None,
    };
    Ok(PayoutsView {
        account: account.map(|a| PayoutAccountView {
            provider: a.provider,
            payouts_enabled: a.payouts_enabled,
            requirements: a.requirements,
        }),
        notice,
        balances,
    })
}

/// Your payout account and balance.
#[utoipa::path(get, path = "/api/me/payouts", tag = "commerce", security(("bearer" = [])),
    responses((status = 200, body = PayoutsView), (status = 403, description = "Not an artist account"), (status = 409, description = "No artist profile yet")))]
async fn get_payouts(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<PayoutsView>> {
    let artist_id = own_artist(&ctx, &principal).await?;
    Ok(Json(view(&ctx, artist_id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct OnboardingView {
    /// Where to finish setting the account up (with the sandbox, straight back to the site).
    pub onboarding_url: String,
    pub payouts: PayoutsView,
}

/// Connect a payout account (or continue setting it up): answers the
/// provider's onboarding link.
#[utoipa::path(post, path = "/api/me/payouts/account", tag = "commerce", security(("bearer" = [])),
    responses((status = 200, body = OnboardingView), (status = 403, description = "Not an artist account"), (status = 409, description = "No artist profile yet"),
        (status = 503, description = "The payment provider did not answer")))]
async fn connect_account(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<OnboardingView>> {
    let artist_id = own_artist(&ctx, &principal).await?;
    let mut conn = ctx.db.acquire().await?;
    let account = match store::payout_account(&mut conn, artist_id).await? {
        Some(account) => account,
        None => {
            let (email, country): (String, Option<String>) = store::artist_contact(&mut conn, artist_id).await?;
            let key = IdempotencyKey::new(artist_id, "account", 0);
            let created = ctx
                .payments
                .create_account(&email, country.as_deref().unwrap_or("GB"), &key)
                .await
                .map_err(provider_error)?;
            let row = PayoutAccountRow {
                artist_id,
                provider: ctx.payments.name().to_owned(),
                account_id: created.id,
                payouts_enabled: created.payouts_enabled,
                requirements: created.requirements,
            };
            store::put_payout_account(&mut conn, &row).await?;
            row
        }
    };
    drop(conn);
    let site = ctx.config.site_url.trim_end_matches('/');
    let onboarding_url = ctx
        .payments
        .onboarding_link(
            &account.account_id,
            &format!("{site}/studio/payouts?done=1"),
            &format!("{site}/studio/payouts"),
        )
        .await
        .map_err(provider_error)?;
    Ok(Json(OnboardingView { onboarding_url, payouts: view(&ctx, artist_id).await? }))
}
