//! Extractors whose rejections are problem documents, and the caller's address.

use std::net::SocketAddr;

use axum::{
    extract::{
        ConnectInfo, FromRequest, FromRequestParts, Request,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::{StatusCode, request::Parts},
    response::Response,
};
use serde::{
    Deserialize, Deserializer,
    de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor},
};
use serde_json::Value;

use super::error::{ApiError, FieldError};

/// A JSON body. Malformed JSON is 400, a body of the wrong shape (unknown or
/// repeated field, wrong type, missing field) is 422 naming the field, a
/// non-JSON content type is 415, and an oversized body is 413.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(JsonBody(value)) = axum::Json::from_request(req, state).await.map_err(json_rejection)?;
        serde_path_to_error::deserialize(value).map(Self).map_err(|e| field_error(&e.path().to_string(), e.inner()))
    }
}

fn field_error(path: &str, message: &impl std::fmt::Display) -> ApiError {
    // The root of the body has the path ".", which names no field.
    let field = if path == "." { String::new() } else { path.to_owned() };
    ApiError::Validation(vec![FieldError { field, message: message.to_string() }])
}

/// A body read as JSON Schema reads it, which is what the document promises:
/// a whole number such as `2.0` is an integer (serde would refuse it for an
/// integer field). Like deserializing straight into a struct, and unlike
/// [`Value`], it refuses an object naming a field twice.
struct JsonBody(Value);

impl<'de> Deserialize<'de> for JsonBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonBodyVisitor).map(Self)
    }
}

struct JsonBodyVisitor;

impl<'de> Visitor<'de> for JsonBodyVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // 2^63: every whole number in [-2^63, 2^63) is an i64.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        Ok(if v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) { Value::from(v as i64) } else { Value::from(v) })
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(JsonBody(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = serde_json::Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if fields.contains_key(&name) {
                return Err(de::Error::custom(format_args!("duplicate field `{name}`")));
            }
            let JsonBody(value) = map.next_value()?;
            fields.insert(name, value);
        }
        Ok(Value::Object(fields))
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        // serde_path_to_error's text is "path: message".
        JsonRejection::JsonDataError(e) => {
            let text = std::error::Error::source(&e).map_or_else(|| e.body_text(), |s| s.to_string());
            match text.split_once(": ") {
                Some((path, message)) if !path.contains(' ') => field_error(path, &message),
                _ => field_error("", &text),
            }
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::BadRequest("the body is not valid JSON".to_owned()),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::UnsupportedMediaType("send the body as application/json".to_owned())
        }
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge("the body exceeds the size limit".to_owned())
        }
        other => ApiError::BadRequest(other.body_text()),
    }
}

/// Path parameters; an id that does not parse is a 400, not a routing error.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Self(v))
            .map_err(|e: PathRejection| ApiError::BadRequest(format!("invalid path parameter: {}", e.body_text())))
    }
}

/// Query string; an unparseable parameter is a 422 naming it.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Self(v))
            .map_err(|e: QueryRejection| {
                ApiError::Validation(vec![FieldError { field: "query".to_owned(), message: e.body_text() }])
            })
    }
}

/// The caller's network address as the host saw it. Each host inserts it: the
/// local server from the socket, Lambda from the request context, Vercel from the
/// proxy header it overwrites.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(ip) = parts.extensions.get::<ClientIp>() {
            return Ok(ip.clone());
        }
        if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            return Ok(Self(addr.ip().to_string()));
        }
        Ok(Self("unknown".to_owned()))
    }
}

/// The client address in `X-Forwarded-For` when `hops` trusted proxies each
/// appended the address they saw: the `hops`-th entry from the right. Entries
/// further left came from the client and may be forged. Fewer entries than
/// hops means the request did not come through them all: nothing is trusted.
pub fn forwarded_client(headers: &axum::http::HeaderMap, hops: usize) -> Option<String> {
    if hops == 0 {
        return None;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let entry = entries.len().checked_sub(hops).map(|i| entries[i])?;
    entry.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string())
}

/// Inserts a [`ClientIp`] from `X-Forwarded-For` for hosts behind `hops`
/// proxies that append to it.
pub async fn client_ip_from_forwarded_for(
    axum::extract::State(hops): axum::extract::State<usize>,
    mut req: Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(ip) = forwarded_client(req.headers(), hops) {
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;
    use serde_json::json;

    use super::{JsonBody, forwarded_client};

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn the_client_is_counted_from_the_right() {
        // The client forged the first entry; one proxy appended the real peer.
        assert_eq!(forwarded_client(&headers(&["6.6.6.6, 203.0.113.9"]), 1).as_deref(), Some("203.0.113.9"));
        // Two proxies: the second appended the first one's address.
        assert_eq!(
            forwarded_client(&headers(&["6.6.6.6, 203.0.113.9", "10.0.0.2"]), 2).as_deref(),
            Some("203.0.113.9")
        );
    }

    #[test]
    fn too_few_hops_or_garbage_trust_nothing() {
        assert_eq!(forwarded_client(&headers(&["203.0.113.9"]), 2), None);
        assert_eq!(forwarded_client(&headers(&["not-an-address"]), 1), None);
        assert_eq!(forwarded_client(&headers(&[]), 1), None);
        assert_eq!(forwarded_client(&headers(&["203.0.113.9"]), 0), None);
    }

    fn read(text: &str) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str::<JsonBody>(text).map(|JsonBody(value)| value)
    }

    #[test]
    fn whole_floats_are_integers_and_others_stay() {
        let body =
            read(r#"{"year": 1999.0, "sizes": [2.0, 2.5, -0.0], "price": {"amount_minor": 1e12}, "huge": 1e19}"#);
        assert_eq!(
            body.unwrap(),
            json!({"year": 1999, "sizes": [2, 2.5, 0], "price": {"amount_minor": 1_000_000_000_000_i64}, "huge": 1e19})
        );
    }

    #[test]
    fn a_field_named_twice_is_refused() {
        assert!(read(r#"{"title": "a", "nested": {"title": "b"}}"#).is_ok());
        let error = read(r#"{"title": "a", "title": "b"}"#).unwrap_err();
        assert!(error.to_string().contains("duplicate field `title`"), "{error}");
    }
}
