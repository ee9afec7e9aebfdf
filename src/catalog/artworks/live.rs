//! What a change of an artwork tells people, decided where every change
//! passes ([`super::changes`]): viewers of the work hear of its new
//! availability and price at once, on its channel, in the same transaction;
//! people who saved it, or follow its artist, are notified through the job
//! queue.

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::store::ArtworkState;
use crate::{
    catalog::domain::{ArtworkStatus, is_publicly_visible},
    realtime::{
        self, Channel,
        fanout::{Audience, FanOut},
        notifications::Kind,
    },
};

fn on_view(state: &ArtworkState) -> bool {
    is_publicly_visible(state.status, state.held_for_review)
}

/// Publishes the work's availability on its channel if what viewers see of
/// it moved.
pub(super) async fn publish_availability(
    conn: &mut PgConnection,
    artwork_id: Uuid,
    before: &ArtworkState,
    after: &ArtworkState,
) -> sqlx::Result<()> {
    let shown = |s: &ArtworkState| (s.status, on_view(s), s.price_minor, s.currency.clone(), s.edition_available);
    if shown(before) != shown(after) && (on_view(before) || on_view(after)) {
        let event = json!({
            "status": after.status,
            "on_view": on_view(after),
            "available_quantity": after.edition_available,
            "price": {"amount_minor": after.price_minor, "currency": after.currency},
        });
        realtime::publish(conn, Channel::Artwork(artwork_id), "availability", &event).await?;
    }
    Ok(())
}

/// The notifications a change calls for, to fan out once the caller has
/// committed. `version` is the version the change created: it tells one
/// reservation from the next.
pub(super) fn fan_outs(artwork_id: Uuid, before: &ArtworkState, after: &ArtworkState, version: i32) -> Vec<FanOut> {
    let work = json!({"artwork_id": artwork_id, "artwork_title": after.title});
    let savers = |kind, subject: String, data| FanOut {
        audience: Audience::Savers { artwork_id },
        kind,
        subject,
        data,
        except: None,
    };
    let mut fan_outs = Vec::new();
    if before.status != after.status && on_view(before) {
        match after.status {
            ArtworkStatus::Reserved => {
                fan_outs.push(savers(Kind::SavedReserved, format!("reserved:{artwork_id}:{version}"), work.clone()))
            }
            ArtworkStatus::Sold => fan_outs.push(savers(Kind::SavedSold, format!("sold:{artwork_id}"), work.clone())),
            _ => {}
        }
    }
    if on_view(after) && after.currency == before.currency && after.price_minor < before.price_minor {
        let mut data = work.clone();
        data["old_price"] = json!({"amount_minor": before.price_minor, "currency": before.currency});
        data["new_price"] = json!({"amount_minor": after.price_minor, "currency": after.currency});
        fan_outs.push(savers(Kind::SavedPriceDrop, format!("price:{artwork_id}:{version}"), data));
    }
    if before.published_at.is_none() && after.published_at.is_some() && on_view(after) {
        let mut data = work;
        data["artist_id"] = json!(after.artist_id);
        fan_outs.push(FanOut {
            audience: Audience::Followers { artist_id: after.artist_id },
            kind: Kind::NewWork,
            subject: format!("new_work:{artwork_id}"),
            data,
            except: None,
        });
    }
    fan_outs
}
