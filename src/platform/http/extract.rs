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
use serde::de::DeserializeOwned;

use super::error::{ApiError, FieldError};

/// A JSON body. Malformed JSON is 400, a body of the wrong shape (unknown field,
/// wrong type, missing field) is 422 naming the field, a non-JSON content type is
/// 415, and an oversized body is 413.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // serde_path_to_error's text is "path: message"; split it into a field error.
            let text = std::error::Error::source(&e).map_or_else(|| e.body_text(), |s| s.to_string());
            let (field, message) = match text.split_once(": ") {
                Some((path, message)) if !path.contains(' ') => (path.to_owned(), message.to_owned()),
                _ => (String::new(), text),
            };
            ApiError::Validation(vec![FieldError { field, message }])
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

    use super::forwarded_client;

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
}
