//! API Gateway's WebSocket side, where no real one can run: a stand-in for
//! the connection-management API that checks the wire contract AWS documents
//! (`POST /{stage}/@connections/{connectionId}` with the message as the body,
//! signed with Signature Version 4 for the `execute-api` service; 410
//! `GoneException` for a closed connection; messages of at most 128 KiB),
//! records what each connection was sent, and the events the gateway hands
//! the functions.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const STAGE: &str = "live";
const MAX_MESSAGE: usize = 128 * 1024;

#[derive(Default)]
struct Connections {
    /// What each connection was sent, in order.
    posted: BTreeMap<String, Vec<Value>>,
    closed: BTreeSet<String>,
    /// Posts to answer with a 500 before accepting again.
    failing: BTreeMap<String, usize>,
    /// Requests refused for breaking the contract, and why.
    refused: Vec<String>,
}

struct Gateway {
    access_key: String,
    secret_key: String,
    region: String,
    connections: Mutex<Connections>,
}

pub struct SocketGateway {
    /// The stage's management endpoint: `SOCKET_GATEWAY_URL`.
    pub url: String,
    gateway: Arc<Gateway>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for SocketGateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl SocketGateway {
    /// Accepts requests signed with the credentials the AWS chain gives this
    /// process (scripts/test sets them for the stand-ins).
    pub async fn start() -> Self {
        let variable = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
        let gateway = Arc::new(Gateway {
            access_key: variable("AWS_ACCESS_KEY_ID"),
            secret_key: variable("AWS_SECRET_ACCESS_KEY"),
            region: variable("AWS_REGION"),
            connections: Mutex::default(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/{STAGE}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(post_to_connection).with_state(gateway.clone());
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, gateway, server }
    }

    fn connections(&self) -> std::sync::MutexGuard<'_, Connections> {
        self.gateway.connections.lock().unwrap()
    }

    /// The connection closes: posts to it answer 410 from now on.
    pub fn close(&self, id: &str) {
        self.connections().closed.insert(id.to_owned());
    }

    /// The next `times` posts to the connection fail with a 500.
    pub fn fail(&self, id: &str, times: usize) {
        self.connections().failing.insert(id.to_owned(), times);
    }

    /// What the connection was sent since the last call.
    pub fn take(&self, id: &str) -> Vec<Value> {
        self.connections().posted.remove(id).unwrap_or_default()
    }

    /// Asserts no request broke the contract.
    pub fn assert_nothing_refused(&self) {
        let refused = self.connections().refused.clone();
        assert!(refused.is_empty(), "the management API refused requests: {refused:?}");
    }
}

fn gone() -> Response {
    let body = json!({"message": null});
    (StatusCode::GONE, [("x-amzn-ErrorType", "GoneException")], axum::Json(body)).into_response()
}

fn refuse(gateway: &Gateway, status: StatusCode, kind: &'static str, why: String) -> Response {
    gateway.connections.lock().unwrap().refused.push(why.clone());
    (status, [("x-amzn-ErrorType", kind)], axum::Json(json!({"message": why}))).into_response()
}

async fn post_to_connection(
    State(gateway): State<Arc<Gateway>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let segments: Vec<String> =
        uri.path().split('/').map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned()).collect();
    let id = match segments.as_slice() {
        [root, stage, connections, id] if root.is_empty() && stage == STAGE && connections == "@connections" => {
            id.clone()
        }
        _ => return refuse(&gateway, StatusCode::NOT_FOUND, "NotFoundException", format!("no route for {uri}")),
    };
    if method != Method::POST {
        let why = format!("{method} {uri}: only PostToConnection is served");
        return refuse(&gateway, StatusCode::METHOD_NOT_ALLOWED, "BadRequestException", why);
    }
    if let Err(why) = verify_signature(&gateway, &method, &uri, &headers, &body) {
        return refuse(&gateway, StatusCode::FORBIDDEN, "InvalidSignatureException", why);
    }
    if body.len() > MAX_MESSAGE {
        let why = format!("a message of {} bytes is over 128 KiB", body.len());
        return refuse(&gateway, StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLargeException", why);
    }
    let mut connections = gateway.connections.lock().unwrap();
    if connections.closed.contains(&id) {
        return gone();
    }
    if let Some(left) = connections.failing.get_mut(&id).filter(|left| **left > 0) {
        *left -= 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, [("x-amzn-ErrorType", "InternalServerErrorException")])
            .into_response();
    }
    let message = serde_json::from_slice(&body).unwrap_or_else(|_| Value::String(format!("not JSON: {body:?}")));
    connections.posted.entry(id).or_default().push(message);
    StatusCode::OK.into_response()
}

/// Characters SigV4 leaves as they are in a canonical URI segment.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn hex_sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Signature Version 4 as AWS documents it for services other than S3: the
/// canonical URI encodes each already-encoded path segment once more.
fn verify_signature(
    gateway: &Gateway,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let authorization = header("authorization").ok_or("no Authorization header")?;
    let fields = authorization.strip_prefix("AWS4-HMAC-SHA256 ").ok_or("not AWS4-HMAC-SHA256")?;
    let field = |name: &str| {
        fields
            .split(',')
            .map(str::trim)
            .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))
            .ok_or(format!("no {name}"))
    };
    let (credential, signed_headers, signature) = (field("Credential")?, field("SignedHeaders")?, field("Signature")?);
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key, date, region, service, terminator] = scope.as_slice() else {
        return Err(format!("malformed credential scope {credential}"));
    };
    if *access_key != gateway.access_key || *region != gateway.region {
        return Err(format!("signed for {access_key} in {region}"));
    }
    if *service != "execute-api" || *terminator != "aws4_request" {
        return Err(format!("signed for the service {service}, not execute-api"));
    }
    let amz_date = header("x-amz-date").ok_or("no X-Amz-Date")?;
    let signed_at = chrono::NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ")
        .map_err(|e| format!("X-Amz-Date {amz_date}: {e}"))?
        .and_utc();
    if !amz_date.starts_with(date) || (chrono::Utc::now() - signed_at).abs() > chrono::Duration::minutes(15) {
        return Err(format!("X-Amz-Date {amz_date} is outside the scope's day or 15 minutes of now"));
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    if !names.contains(&"host") || !names.contains(&"x-amz-date") {
        return Err(format!("host and x-amz-date must be signed, not only {signed_headers}"));
    }
    let mut canonical_headers = String::new();
    for name in &names {
        let values: Vec<String> = headers
            .get_all(*name)
            .iter()
            .map(|v| v.to_str().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let canonical_uri: Vec<String> =
        uri.path().split('/').map(|segment| utf8_percent_encode(segment, UNRESERVED).to_string()).collect();
    let mut query: Vec<&str> = uri.query().unwrap_or_default().split('&').filter(|p| !p.is_empty()).collect();
    query.sort_unstable();
    let canonical_request = [
        method.as_str(),
        &canonical_uri.join("/"),
        &query.join("&"),
        &canonical_headers,
        signed_headers,
        &hex_sha256(body),
    ]
    .join("\n");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{}",
        hex_sha256(canonical_request.as_bytes())
    );
    let key =
        aws_sigv4::sign::v4::generate_signing_key(&gateway.secret_key, SystemTime::from(signed_at), region, service);
    let expected = aws_sigv4::sign::v4::calculate_signature(key, string_to_sign.as_bytes());
    if expected != signature {
        return Err(format!("the signature does not match the request; canonical request:\n{canonical_request}"));
    }
    Ok(())
}

/// An event API Gateway's WebSocket API hands its function, shaped as AWS
/// documents the Lambda proxy integration's input: `$connect` carries the
/// handshake's headers and query, `$default` the message, `$disconnect` the
/// close code.
pub fn socket_event(route_key: &str, connection_id: &str, ticket: Option<&str>, body: Option<&str>) -> Value {
    let event_type = match route_key {
        "$connect" => "CONNECT",
        "$disconnect" => "DISCONNECT",
        _ => "MESSAGE",
    };
    let now = chrono::Utc::now();
    let mut context = json!({
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": Uuid::now_v7().simple().to_string(),
        "requestTime": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
        "messageDirection": "IN",
        "stage": STAGE,
        "connectedAt": (now - Duration::from_secs(5)).timestamp_millis(),
        "requestTimeEpoch": now.timestamp_millis(),
        "identity": {"sourceIp": "203.0.113.24", "userAgent": "Mozilla/5.0"},
        "requestId": Uuid::now_v7().to_string(),
        "domainName": "abc123def4.execute-api.us-east-1.amazonaws.com",
        "connectionId": connection_id,
        "apiId": "abc123def4",
    });
    let mut event = json!({"requestContext": context.take(), "isBase64Encoded": false});
    match route_key {
        "$connect" => {
            event["headers"] = json!({
                "Host": "abc123def4.execute-api.us-east-1.amazonaws.com",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version": "13",
                "Origin": "https://atelier.example",
            });
            if let Some(ticket) = ticket {
                event["queryStringParameters"] = json!({"ticket": ticket});
                event["multiValueQueryStringParameters"] = json!({"ticket": [ticket]});
            }
        }
        "$disconnect" => {
            event["requestContext"]["disconnectStatusCode"] = json!(1001);
            event["requestContext"]["disconnectReason"] = json!("Going away");
        }
        _ => {
            event["requestContext"]["messageId"] = json!(Uuid::now_v7().simple().to_string());
            event["body"] = json!(body.unwrap_or_default());
        }
    }
    event
}

/// A connection id as API Gateway writes them: 16 characters of base64.
pub fn connection_id() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(&Uuid::now_v7().as_bytes()[4..15])
}
