//! Processed images as clients see them: variants with signed URLs, ready for
//! `srcset`, and the palette for placeholders and colour chips.

use std::{collections::HashMap, time::Duration};

use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::analysis::Swatch;
use crate::platform::objects::{ObjectKey, ObjectStore};

/// Image URLs are re-issued per window of this length, so a page reloaded within
/// it gets byte-identical URLs and the browser's cache keeps working.
pub const URL_WINDOW: Duration = Duration::from_secs(6 * 3600);

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImageView {
    pub id: Uuid,
    /// Size of the upright original, in pixels.
    pub width: i32,
    pub height: i32,
    /// MIME type of the original as identified from its bytes.
    pub source_format: String,
    /// Channels and bit depth of the original, e.g. `Rgb8`.
    pub color_type: String,
    /// Whether the original embedded an ICC colour profile.
    pub has_icc: bool,
    /// Dominant colours, largest share first.
    pub palette: Vec<Swatch>,
    /// Variance of the Laplacian at a fixed size: higher is crisper.
    pub sharpness: f32,
    /// Every rendered size in WebP and JPEG, smallest first.
    pub variants: Vec<VariantView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VariantView {
    pub width: i32,
    pub height: i32,
    /// `webp` or `jpeg` (the fallback for browsers without WebP).
    pub format: String,
    pub content_type: String,
    pub bytes: i32,
    pub url: String,
}

#[derive(sqlx::FromRow)]
struct ImageRow {
    id: Uuid,
    artwork_id: Uuid,
    width: i32,
    height: i32,
    source_format: String,
    color_type: String,
    has_icc: bool,
    palette: sqlx::types::Json<Vec<Swatch>>,
    sharpness: f32,
    variants: sqlx::types::Json<Vec<VariantRow>>,
}

#[derive(serde::Deserialize)]
struct VariantRow {
    width: i32,
    height: i32,
    format: String,
    storage_key: String,
    byte_size: i32,
}

/// The images of each artwork, in upload order.
pub async fn for_artworks(
    conn: &mut PgConnection,
    objects: &dyn ObjectStore,
    artwork_ids: &[Uuid],
) -> anyhow::Result<HashMap<Uuid, Vec<ImageView>>> {
    if artwork_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<ImageRow> = sqlx::query_as(
        "SELECT i.id, i.artwork_id, i.width, i.height, i.source_format, i.color_type, i.has_icc, i.palette, i.sharpness,
                COALESCE(json_agg(json_build_object('width', v.width, 'height', v.height, 'format', v.format,
                    'storage_key', v.storage_key, 'byte_size', v.byte_size) ORDER BY v.width, v.format)
                    FILTER (WHERE v.image_id IS NOT NULL), '[]') AS variants
         FROM artwork_images i LEFT JOIN image_variants v ON v.image_id = i.id
         WHERE i.artwork_id = ANY($1)
         GROUP BY i.id ORDER BY i.seq",
    )
    .bind(artwork_ids)
    .fetch_all(conn)
    .await?;
    let mut images: HashMap<Uuid, Vec<ImageView>> = HashMap::new();
    for row in rows {
        let mut variants = Vec::with_capacity(row.variants.0.len());
        for variant in row.variants.0 {
            let key = ObjectKey::parse(&variant.storage_key)
                .ok_or_else(|| anyhow::anyhow!("stored variant key {:?} is not a valid key", variant.storage_key))?;
            variants.push(VariantView {
                width: variant.width,
                height: variant.height,
                content_type: if variant.format == "webp" { "image/webp" } else { "image/jpeg" }.to_owned(),
                format: variant.format,
                bytes: variant.byte_size,
                url: objects.download_url(&key, URL_WINDOW).await?,
            });
        }
        images.entry(row.artwork_id).or_default().push(ImageView {
            id: row.id,
            width: row.width,
            height: row.height,
            source_format: row.source_format,
            color_type: row.color_type,
            has_icc: row.has_icc,
            palette: row.palette.0,
            sharpness: row.sharpness,
            variants,
        });
    }
    Ok(images)
}
