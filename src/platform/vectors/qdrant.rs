//! Qdrant adapter of the vector-index port, over gRPC. One collection holds one
//! unnamed cosine vector per artwork, keyed by the artwork's UUID, with the
//! payload fields searches filter on indexed.

use std::collections::HashMap;

use anyhow::{Context, bail};
use async_trait::async_trait;
use qdrant_client::{
    Payload, Qdrant,
    qdrant::{
        Condition, CreateCollectionBuilder, CreateFieldIndexCollectionBuilder, DeletePointsBuilder, Distance,
        FieldType, Filter, GetPointsBuilder, PointId, PointStruct, PointsIdsList, QueryPointsBuilder, Range,
        RecommendInputBuilder, RecommendStrategy, UpsertPointsBuilder, Value, VectorInput, VectorParamsBuilder,
        r#match::MatchValue, point_id::PointIdOptions, vector_output, vectors_config,
    },
};
use uuid::Uuid;

use super::{Hit, VectorFilter, VectorIndex, VectorPayload, VectorPoint};
use crate::platform::config::Secret;

const CATEGORIES: &str = "categories";
const STYLES: &str = "styles";
const ARTIST_ID: &str = "artist_id";
const PRICE_MINOR: &str = "price_minor";
const STATUS: &str = "status";
const YEAR: &str = "year";

/// Where the collection lives and what it must hold.
pub struct QdrantSettings {
    /// The gRPC endpoint, e.g. `http://127.0.0.1:6334`.
    pub url: String,
    pub api_key: Option<Secret>,
    pub collection: String,
    /// Length of every vector the embedder produces.
    pub dimension: u64,
}

pub struct QdrantVectorIndex {
    client: Qdrant,
    collection: String,
}

impl QdrantVectorIndex {
    /// Connects and makes sure the collection and its payload indexes exist,
    /// creating what is missing; safe to run from every process at start.
    /// Fails if the collection exists with another vector size or distance,
    /// since every write and search would then be rejected or meaningless.
    pub async fn connect(settings: QdrantSettings) -> anyhow::Result<Self> {
        // The version check is a round trip on every cold start of a function.
        let client = Qdrant::from_url(&settings.url)
            .api_key(settings.api_key.as_ref().map(|key| key.expose().to_owned()))
            .skip_compatibility_check()
            .build()
            .with_context(|| format!("building a Qdrant client for {}", settings.url))?;
        let index = Self { client, collection: settings.collection.clone() };
        index
            .bootstrap(settings.dimension)
            .await
            .with_context(|| format!("preparing Qdrant collection {:?} at {}", settings.collection, settings.url))?;
        Ok(index)
    }

    async fn bootstrap(&self, dimension: u64) -> anyhow::Result<()> {
        if !self.client.collection_exists(&self.collection).await? {
            let created = self
                .client
                .create_collection(
                    CreateCollectionBuilder::new(&self.collection)
                        .vectors_config(VectorParamsBuilder::new(dimension, Distance::Cosine)),
                )
                .await;
            // Another process may have created it since the check; the
            // dimension check below tells whether theirs is usable.
            if let Err(error) = created
                && !self.client.collection_exists(&self.collection).await?
            {
                return Err(error.into());
            }
        }
        self.check_vector_params(dimension).await?;
        let indexes = [
            (CATEGORIES, FieldType::Keyword),
            (STYLES, FieldType::Keyword),
            (ARTIST_ID, FieldType::Keyword),
            (STATUS, FieldType::Keyword),
            (PRICE_MINOR, FieldType::Integer),
            (YEAR, FieldType::Integer),
        ];
        for (field, kind) in indexes {
            // Creating an index that already exists with the same type is a no-op.
            self.client
                .create_field_index(CreateFieldIndexCollectionBuilder::new(&self.collection, field, kind).wait(true))
                .await
                .with_context(|| format!("creating the {field} payload index"))?;
        }
        Ok(())
    }

    async fn check_vector_params(&self, dimension: u64) -> anyhow::Result<()> {
        let info = self.client.collection_info(&self.collection).await?;
        let config = info
            .result
            .and_then(|info| info.config)
            .and_then(|config| config.params)
            .and_then(|params| params.vectors_config)
            .and_then(|vectors| vectors.config);
        match config {
            Some(vectors_config::Config::Params(params)) => {
                if params.size != dimension || params.distance != Distance::Cosine as i32 {
                    bail!(
                        "Qdrant collection {:?} holds {}-d vectors with {:?} distance, but the embedder needs {dimension}-d \
                         vectors with Cosine distance; point QDRANT_COLLECTION at another collection or recreate this one",
                        self.collection,
                        params.size,
                        Distance::try_from(params.distance).unwrap_or(Distance::UnknownDistance),
                    );
                }
                Ok(())
            }
            Some(vectors_config::Config::ParamsMap(_)) => bail!(
                "Qdrant collection {:?} uses named vectors; the index needs one unnamed vector per point",
                self.collection
            ),
            None => bail!("Qdrant did not report the vector parameters of collection {:?}", self.collection),
        }
    }

    async fn query(&self, query: QueryPointsBuilder, limit: usize) -> anyhow::Result<Vec<Hit>> {
        let response = self.client.query(query.limit(limit as u64).with_payload(false)).await?;
        response.result.into_iter().map(|point| Ok(Hit { id: point_uuid(point.id)?, score: point.score })).collect()
    }
}

#[async_trait]
impl VectorIndex for QdrantVectorIndex {
    async fn upsert(&self, points: Vec<VectorPoint>) -> anyhow::Result<()> {
        if points.is_empty() {
            return Ok(());
        }
        let points: Vec<PointStruct> =
            points.into_iter().map(|point| PointStruct::new(point.id, point.vector, payload(&point.payload))).collect();
        // Waiting makes the write visible to the next search, as it is with
        // the embedded index.
        self.client.upsert_points(UpsertPointsBuilder::new(&self.collection, points).wait(true)).await?;
        Ok(())
    }

    async fn delete(&self, ids: &[Uuid]) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = PointsIdsList { ids: ids.iter().map(|id| PointId::from(*id)).collect() };
        self.client.delete_points(DeletePointsBuilder::new(&self.collection).points(ids).wait(true)).await?;
        Ok(())
    }

    async fn search(&self, vector: &[f32], filter: &VectorFilter, limit: usize) -> anyhow::Result<Vec<Hit>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let query = QueryPointsBuilder::new(&self.collection)
            .query(VectorInput::from(vector.to_vec()))
            .filter(qdrant_filter(filter));
        self.query(query, limit).await
    }

    async fn recommend(
        &self,
        positive: &[Uuid],
        negative: &[Uuid],
        filter: &VectorFilter,
        limit: usize,
    ) -> anyhow::Result<Vec<Hit>> {
        // Qdrant rejects the whole request when an example id is unknown; the
        // port skips examples that have no vector yet, so the examples go in
        // as vectors and only those that exist take part.
        let examples = self.vectors(&[positive, negative].concat()).await?;
        let pick = |ids: &[Uuid]| -> Vec<VectorInput> {
            ids.iter().filter_map(|id| examples.get(id)).map(|vector| VectorInput::from(vector.clone())).collect()
        };
        let (positive_vectors, negative_vectors) = (pick(positive), pick(negative));
        if positive_vectors.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        // Examples given as vectors are not left out by Qdrant itself.
        let mut filter = filter.clone();
        filter.exclude.extend(positive.iter().chain(negative).copied());
        let recommend = RecommendInputBuilder::default()
            .positive(positive_vectors)
            .negative(negative_vectors)
            .strategy(RecommendStrategy::AverageVector);
        let query = QueryPointsBuilder::new(&self.collection).query(recommend.build()).filter(qdrant_filter(&filter));
        self.query(query, limit).await
    }

    async fn vectors(&self, ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, Vec<f32>>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<PointId> = ids.iter().map(|id| PointId::from(*id)).collect();
        let response = self
            .client
            .get_points(GetPointsBuilder::new(&self.collection, ids).with_vectors(true).with_payload(false))
            .await?;
        response
            .result
            .into_iter()
            .map(|point| {
                let id = point_uuid(point.id)?;
                match point.vectors.and_then(|vectors| vectors.get_vector()) {
                    Some(vector_output::Vector::Dense(dense)) => Ok((id, dense.data)),
                    _ => bail!("Qdrant returned no dense vector for point {id}"),
                }
            })
            .collect()
    }
}

/// The payload as stored in Qdrant. A missing year is left out rather than
/// stored as null, so year ranges never match it (as in the embedded index).
fn payload(payload: &VectorPayload) -> Payload {
    let mut stored = Payload::new();
    stored.insert(CATEGORIES, Value::from(payload.categories.clone()));
    stored.insert(STYLES, Value::from(payload.styles.clone()));
    stored.insert(ARTIST_ID, payload.artist_id.to_string());
    stored.insert(PRICE_MINOR, payload.price_minor);
    stored.insert(STATUS, payload.status.as_str());
    if let Some(year) = payload.year {
        stored.insert(YEAR, i64::from(year));
    }
    stored
}

/// `VectorFilter` as Qdrant conditions: every set field is a `must`, exclusions
/// a `must_not`.
fn qdrant_filter(filter: &VectorFilter) -> Filter {
    let mut must = Vec::new();
    if let Some(category) = &filter.category {
        must.push(keyword(CATEGORIES, category));
    }
    if let Some(style) = &filter.style {
        must.push(keyword(STYLES, style));
    }
    if let Some(artist_id) = filter.artist_id {
        must.push(keyword(ARTIST_ID, &artist_id.to_string()));
    }
    if filter.min_price.is_some() || filter.max_price.is_some() {
        must.push(Condition::range(
            PRICE_MINOR,
            Range {
                gte: filter.min_price.map(|p| p as f64),
                lte: filter.max_price.map(|p| p as f64),
                ..Default::default()
            },
        ));
    }
    if filter.year_from.is_some() || filter.year_to.is_some() {
        must.push(Condition::range(
            YEAR,
            Range { gte: filter.year_from.map(f64::from), lte: filter.year_to.map(f64::from), ..Default::default() },
        ));
    }
    if !filter.statuses.is_empty() {
        must.push(Condition::matches(STATUS, MatchValue::Keywords(filter.statuses.clone().into())));
    }
    let must_not =
        if filter.exclude.is_empty() { Vec::new() } else { vec![Condition::has_id(filter.exclude.iter().copied())] };
    Filter { must, must_not, ..Default::default() }
}

/// An exact keyword match. Built explicitly because the client's
/// `From<String>` turns values containing whitespace into full-text matches.
fn keyword(field: &str, value: &str) -> Condition {
    Condition::matches(field, MatchValue::Keyword(value.to_owned()))
}

fn point_uuid(id: Option<PointId>) -> anyhow::Result<Uuid> {
    match id.and_then(|id| id.point_id_options) {
        Some(PointIdOptions::Uuid(uuid)) => Ok(Uuid::parse_str(&uuid)?),
        other => bail!("Qdrant returned a point id that is not a UUID: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use qdrant_client::qdrant::{
        FieldCondition, HasIdCondition, Match, RepeatedStrings, condition::ConditionOneOf, value::Kind,
    };

    use super::*;

    fn field(condition: &Condition) -> &FieldCondition {
        match &condition.condition_one_of {
            Some(ConditionOneOf::Field(field)) => field,
            other => panic!("not a field condition: {other:?}"),
        }
    }

    fn matched(condition: &Condition) -> (&str, &MatchValue) {
        let field = field(condition);
        (&field.key, field.r#match.as_ref().and_then(|m: &Match| m.match_value.as_ref()).unwrap())
    }

    #[test]
    fn an_empty_filter_has_no_conditions() {
        assert_eq!(qdrant_filter(&VectorFilter::default()), Filter::default());
    }

    #[test]
    fn every_filter_field_maps_to_one_condition() {
        let artist = Uuid::now_v7();
        let excluded = [Uuid::now_v7(), Uuid::now_v7()];
        let filter = qdrant_filter(&VectorFilter {
            category: Some("works on paper".into()),
            style: Some("ukiyo-e".into()),
            artist_id: Some(artist),
            min_price: Some(20_000),
            max_price: Some(40_000),
            year_from: Some(1950),
            year_to: None,
            statuses: vec!["published".into(), "reserved".into()],
            exclude: excluded.to_vec(),
        });
        assert!(filter.should.is_empty() && filter.min_should.is_none());
        let [category, style, artist_id, price, year, status] = filter.must.as_slice() else {
            panic!("six must conditions: {:?}", filter.must);
        };
        // A value with a space must stay an exact keyword, not become full-text.
        assert_eq!(matched(category), (CATEGORIES, &MatchValue::Keyword("works on paper".into())));
        assert_eq!(matched(style), (STYLES, &MatchValue::Keyword("ukiyo-e".into())));
        assert_eq!(matched(artist_id), (ARTIST_ID, &MatchValue::Keyword(artist.to_string())));
        assert_eq!(field(price).key, PRICE_MINOR);
        assert_eq!(field(price).range, Some(Range { gte: Some(20_000.0), lte: Some(40_000.0), ..Default::default() }));
        assert_eq!(field(year).key, YEAR);
        assert_eq!(field(year).range, Some(Range { gte: Some(1950.0), ..Default::default() }));
        assert_eq!(
            matched(status),
            (STATUS, &MatchValue::Keywords(RepeatedStrings { strings: vec!["published".into(), "reserved".into()] }))
        );
        let [excluded_ids] = filter.must_not.as_slice() else { panic!("one must_not: {:?}", filter.must_not) };
        assert_eq!(
            excluded_ids.condition_one_of,
            Some(ConditionOneOf::HasId(HasIdCondition { has_id: excluded.map(PointId::from).to_vec() }))
        );
    }

    #[test]
    fn the_payload_keeps_every_field_and_omits_a_missing_year() {
        let artist = Uuid::now_v7();
        let mut source = VectorPayload {
            categories: vec!["print".into(), "works-on-paper".into()],
            styles: vec!["pop-art".into()],
            artist_id: artist,
            price_minor: 12_500,
            status: "published".into(),
            year: Some(1962),
        };
        let stored: HashMap<String, Value> = payload(&source).into();
        let kind = |key: &str| stored[key].kind.clone().unwrap();
        let strings = |key: &str| match kind(key) {
            Kind::ListValue(list) => list
                .values
                .into_iter()
                .map(|v| match v.kind {
                    Some(Kind::StringValue(s)) => s,
                    other => panic!("{key} holds a non-string {other:?}"),
                })
                .collect::<Vec<_>>(),
            other => panic!("{key} is not a list: {other:?}"),
        };
        assert_eq!(strings(CATEGORIES), ["print", "works-on-paper"]);
        assert_eq!(strings(STYLES), ["pop-art"]);
        assert_eq!(kind(ARTIST_ID), Kind::StringValue(artist.to_string()));
        assert_eq!(kind(PRICE_MINOR), Kind::IntegerValue(12_500));
        assert_eq!(kind(STATUS), Kind::StringValue("published".into()));
        assert_eq!(kind(YEAR), Kind::IntegerValue(1962));
        assert_eq!(stored.len(), 6);

        source.year = None;
        let stored: HashMap<String, Value> = payload(&source).into();
        assert!(!stored.contains_key(YEAR));
    }

    #[test]
    fn point_ids_must_be_uuids() {
        let id = Uuid::now_v7();
        assert_eq!(point_uuid(Some(PointId::from(id))).unwrap(), id);
        assert!(point_uuid(Some(PointId::from(7u64))).is_err());
        assert!(point_uuid(None).is_err());
    }
}
