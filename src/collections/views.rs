//! What collections look like to the people who read them, and who may read
//! or change one. A collection's works are shown as the catalog's public
//! cards: a work hidden, archived or unpublished since it was added is left
//! out of every view, its editors' included, and counts for nothing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    domain::{CollectionKind, Visibility},
    store::{self, CollectionRow, ItemRow},
};
use crate::{
    auth::{Permission, Principal},
    catalog::artworks::store::publicly_visible_among,
    platform::{http::error::ApiResult, objects::ObjectStore},
    search::cards::{ArtworkCard, visible_cards},
};

/// How many works after the cover a summary shows.
const PREVIEWS: usize = 3;

/// What someone may do with a collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Not even know it exists: a private collection, an editorial draft.
    None,
    Read,
    /// Change it and its works: a personal collection's owner, and for an
    /// editorial one any moderator.
    Edit,
}

pub fn access(row: &CollectionRow, viewer: Option<&Principal>) -> Access {
    let editor = viewer.is_some_and(|who| match row.kind {
        CollectionKind::Personal => who.user_id == row.owner_id,
        CollectionKind::Editorial => who.can(Permission::ModerateCatalog),
    });
    let public = match row.kind {
        CollectionKind::Personal => row.visibility == Visibility::Public,
        CollectionKind::Editorial => row.published_at.is_some(),
    };
    if editor {
        Access::Edit
    } else if public {
        Access::Read
    } else {
        Access::None
    }
}

/// A person, by display name only.
#[derive(Serialize, ToSchema)]
pub struct OwnerRef {
    pub id: Uuid,
    pub name: String,
}

/// A collection as lists show it.
#[derive(Serialize, ToSchema)]
pub struct CollectionSummary {
    pub id: Uuid,
    pub kind: CollectionKind,
    pub title: String,
    pub description: Option<String>,
    /// Editorial collections are always `public`: they are on view once
    /// published, and only moderators see them before.
    pub visibility: Visibility,
    /// Editorial collections only: their page is `/collections/{slug}`
    /// (`GET /api/collections/by-slug/{slug}`).
    pub slug: Option<String>,
    /// Editorial collections only: when it went on view; none while a draft.
    pub published_at: Option<DateTime<Utc>>,
    /// Whose personal collection it is; none for editorial ones, which the
    /// editors present.
    pub owner: Option<OwnerRef>,
    /// Works in it that are on view.
    pub item_count: usize,
    /// The first work on view: its image is the collection's cover.
    pub cover: Option<ArtworkCard>,
    /// Up to three works on view after the cover, for a mosaic.
    pub previews: Vec<ArtworkCard>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Whether you may change it and its works.
    pub can_edit: bool,
    /// Only when a list was asked about a work (`artwork_id`): whether it is
    /// in this collection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contains_artwork: Option<bool>,
}

/// A work in a collection.
#[derive(Serialize, ToSchema)]
pub struct CollectionItem {
    pub artwork: ArtworkCard,
    /// What the collection's owner or editors say about it; plain text.
    pub note: Option<String>,
    pub added_at: DateTime<Utc>,
}

/// A page of a collection's works, in their order.
#[derive(Serialize, ToSchema)]
pub struct ItemPage {
    pub items: Vec<CollectionItem>,
    /// For `GET /api/collections/{id}/items?cursor=`; none on the last page.
    pub next_cursor: Option<String>,
}

/// A collection with its first page of works.
#[derive(Serialize, ToSchema)]
pub struct CollectionView {
    #[serde(flatten)]
    pub summary: CollectionSummary,
    /// The first works, in order.
    pub items: Vec<CollectionItem>,
    /// For `GET /api/collections/{id}/items?cursor=`; none when `items` is all.
    pub next_cursor: Option<String>,
    /// For those who may change it: works in it that are no longer on view
    /// (hidden from everyone until they are again). None for anyone else.
    pub unavailable_count: Option<usize>,
}

/// A page of collections.
#[derive(Serialize, ToSchema)]
pub struct CollectionPage {
    pub items: Vec<CollectionSummary>,
    /// The next page's `cursor`; none on the last page. A page may hold fewer
    /// collections than asked for (even none) while more follow.
    pub next_cursor: Option<String>,
}

/// Builds the summaries of `rows`, in their order. With `holding` (the ids of
/// the collections that hold a work someone asked about), each says whether
/// it holds it.
pub async fn summaries(
    conn: &mut PgConnection,
    objects: &dyn ObjectStore,
    rows: Vec<CollectionRow>,
    viewer: Option<&Principal>,
    holding: Option<&HashSet<Uuid>>,
) -> ApiResult<Vec<CollectionSummary>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let items = if ids.is_empty() { Vec::new() } else { store::items_of(conn, &ids).await? };
    let all_works: Vec<Uuid> = items.iter().map(|(_, work)| *work).collect();
    let on_view = publicly_visible_among(conn, &all_works).await?;
    let mut works: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (collection, work) in items {
        if on_view.contains(&work) {
            works.entry(collection).or_default().push(work);
        }
    }
    let shown: Vec<Uuid> = works.values().flat_map(|w| w.iter().take(PREVIEWS + 1).copied()).collect();
    let cards = visible_cards(conn, objects, &shown).await?;
    let names = owner_names(conn, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let works = works.remove(&row.id).unwrap_or_default();
            let mut summary = summary(row, viewer, &works, &cards, &names);
            summary.contains_artwork = holding.map(|h| h.contains(&summary.id));
            summary
        })
        .collect())
}

async fn owner_names(conn: &mut PgConnection, rows: &[CollectionRow]) -> ApiResult<HashMap<Uuid, String>> {
    let owners: Vec<Uuid> = rows.iter().filter(|r| r.kind == CollectionKind::Personal).map(|r| r.owner_id).collect();
    Ok(crate::auth::display_names(conn, &owners).await?)
}

/// `works` are the collection's works on view, in order.
fn summary(
    row: CollectionRow,
    viewer: Option<&Principal>,
    works: &[Uuid],
    cards: &HashMap<Uuid, ArtworkCard>,
    names: &HashMap<Uuid, String>,
) -> CollectionSummary {
    // A work hidden between the two reads has no card; it is left out.
    let mut shown = works.iter().filter_map(|id| cards.get(id)).take(PREVIEWS + 1).cloned();
    let cover = shown.next();
    let owner = (row.kind == CollectionKind::Personal)
        .then(|| OwnerRef { id: row.owner_id, name: names.get(&row.owner_id).cloned().unwrap_or_default() });
    CollectionSummary {
        can_edit: access(&row, viewer) == Access::Edit,
        id: row.id,
        kind: row.kind,
        title: row.title,
        description: row.description,
        visibility: row.visibility,
        slug: row.slug,
        published_at: row.published_at,
        owner,
        item_count: works.len(),
        cover,
        previews: shown.collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
        contains_artwork: None,
    }
}

/// The collection's works on view, in order, and how many it holds in all.
async fn on_view(conn: &mut PgConnection, collection_id: Uuid) -> ApiResult<(Vec<ItemRow>, usize)> {
    let items = store::items(conn, collection_id).await?;
    let ids: Vec<Uuid> = items.iter().map(|i| i.artwork_id).collect();
    let visible = publicly_visible_among(conn, &ids).await?;
    let total = items.len();
    Ok((items.into_iter().filter(|i| visible.contains(&i.artwork_id)).collect(), total))
}

fn page_of(items: &[ItemRow], after: Option<i32>, limit: usize) -> (&[ItemRow], Option<String>) {
    let start = after.map_or(0, |p| items.partition_point(|i| i.position <= p));
    let rest = &items[start..];
    let page = &rest[..rest.len().min(limit)];
    let next = (rest.len() > limit).then(|| page.last().map(|i| i.position.to_string())).flatten();
    (page, next)
}

fn item_views(page: &[ItemRow], cards: &HashMap<Uuid, ArtworkCard>) -> Vec<CollectionItem> {
    page.iter()
        .filter_map(|item| {
            Some(CollectionItem {
                artwork: cards.get(&item.artwork_id)?.clone(),
                note: item.note.clone(),
                added_at: item.added_at,
            })
        })
        .collect()
}

/// The collection with its first `limit` works on view.
pub async fn detail(
    conn: &mut PgConnection,
    objects: &dyn ObjectStore,
    row: CollectionRow,
    viewer: Option<&Principal>,
    limit: usize,
) -> ApiResult<CollectionView> {
    let (items, total) = on_view(conn, row.id).await?;
    let (page, next_cursor) = page_of(&items, None, limit);
    let shown: Vec<Uuid> = items.iter().take(limit.max(PREVIEWS + 1)).map(|i| i.artwork_id).collect();
    let cards = visible_cards(conn, objects, &shown).await?;
    let names = owner_names(conn, std::slice::from_ref(&row)).await?;
    let editor = access(&row, viewer) == Access::Edit;
    let works: Vec<Uuid> = items.iter().map(|i| i.artwork_id).collect();
    let items = item_views(page, &cards);
    Ok(CollectionView {
        summary: summary(row, viewer, &works, &cards, &names),
        items,
        next_cursor,
        unavailable_count: editor.then_some(total - works.len()),
    })
}

/// The collection's works on view after position `after`.
pub async fn item_page(
    conn: &mut PgConnection,
    objects: &dyn ObjectStore,
    collection_id: Uuid,
    after: Option<i32>,
    limit: usize,
) -> ApiResult<ItemPage> {
    let (items, _) = on_view(conn, collection_id).await?;
    let (page, next_cursor) = page_of(&items, after, limit);
    let ids: Vec<Uuid> = page.iter().map(|i| i.artwork_id).collect();
    let cards = visible_cards(conn, objects, &ids).await?;
    Ok(ItemPage { items: item_views(page, &cards), next_cursor })
}

/// One work of a collection as it now stands.
pub async fn item(
    conn: &mut PgConnection,
    objects: &dyn ObjectStore,
    row: ItemRow,
) -> ApiResult<Option<CollectionItem>> {
    let cards = visible_cards(conn, objects, &[row.artwork_id]).await?;
    Ok(item_views(std::slice::from_ref(&row), &cards).pop())
}

/// The collection's works on view and those no longer on view, each in
/// order: a reorder must name the first.
pub async fn works_by_visibility(conn: &mut PgConnection, collection_id: Uuid) -> ApiResult<(Vec<Uuid>, Vec<Uuid>)> {
    let items = store::items(conn, collection_id).await?;
    let ids: Vec<Uuid> = items.iter().map(|i| i.artwork_id).collect();
    let visible = publicly_visible_among(conn, &ids).await?;
    Ok(ids.into_iter().partition(|id| visible.contains(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(positions: &[i32]) -> Vec<ItemRow> {
        positions
            .iter()
            .map(|&position| ItemRow { artwork_id: Uuid::now_v7(), position, note: None, added_at: Utc::now() })
            .collect()
    }

    #[test]
    fn pages_follow_positions_across_gaps() {
        let all = items(&[1, 2, 5, 9, 10]);
        let (first, next) = page_of(&all, None, 2);
        assert_eq!(first.iter().map(|i| i.position).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(next.as_deref(), Some("2"));
        let (second, next) = page_of(&all, Some(2), 2);
        assert_eq!(second.iter().map(|i| i.position).collect::<Vec<_>>(), [5, 9]);
        let (last, end) = page_of(&all, next.map(|n| n.parse().unwrap()), 2);
        assert_eq!(last.iter().map(|i| i.position).collect::<Vec<_>>(), [10]);
        assert_eq!(end, None);
        assert!(page_of(&all, Some(10), 2).0.is_empty());
    }
}
