//! The one error type of the HTTP API, rendered as RFC 9457 problem details.
//!
//! Internal causes are logged with the request's span and replaced by a generic
//! message: a client never sees SQL, file paths or stack traces.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// A problem detail document (RFC 9457). `type` is a stable identifier clients may
/// switch on; `title` is its fixed human summary; `detail` explains this occurrence.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Per-field messages, present on validation failures (422).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// JSON pointer-like dotted path of the offending field, e.g. `price.currency`.
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("authentication required: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Allowed once the account's e-mail address is confirmed.
    #[error("e-mail address not verified")]
    EmailUnverified,
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0}")]
    Conflict(String),
    /// A single-use link that was used or has expired.
    #[error("gone: {0}")]
    Gone(String),
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// An `Idempotency-Key` presented again with a different request.
    #[error("idempotency key reused: {0}")]
    IdempotencyKeyReused(String),
    #[error("precondition required: {0}")]
    PreconditionRequired(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError { field: field.into(), message: message.into() }])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::EmailUnverified => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) | Self::IdempotencyKeyReused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest(_) => ("bad-request", "The request is malformed"),
            Self::Unauthorized(_) => ("unauthorized", "Authentication is required"),
            Self::Forbidden(_) => ("forbidden", "You are not allowed to do this"),
            Self::EmailUnverified => ("email-unverified", "Confirm your e-mail address first"),
            Self::NotFound(_) => ("not-found", "The resource does not exist"),
            Self::MethodNotAllowed => ("method-not-allowed", "Method not allowed"),
            Self::Conflict(_) => ("conflict", "The request conflicts with the current state"),
            Self::Gone(_) => ("gone", "The link has expired or was already used"),
            Self::PreconditionFailed(_) => ("precondition-failed", "The resource has changed"),
            Self::PayloadTooLarge(_) => ("payload-too-large", "The request body is too large"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::Validation(_) => ("validation", "The request contains invalid fields"),
            Self::IdempotencyKeyReused(_) => {
                ("idempotency-key-reused", "The idempotency key belongs to another request")
            }
            Self::PreconditionRequired(_) => ("precondition-required", "A precondition is required"),
            Self::TooManyRequests { .. } => ("rate-limited", "Too many requests"),
            Self::Unavailable(_) => ("unavailable", "The service is temporarily unavailable"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    pub fn to_problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let detail = match self {
            Self::BadRequest(d)
            | Self::Unauthorized(d)
            | Self::Forbidden(d)
            | Self::NotFound(d)
            | Self::Conflict(d)
            | Self::Gone(d)
            | Self::PreconditionFailed(d)
            | Self::PayloadTooLarge(d)
            | Self::UnsupportedMediaType(d)
            | Self::IdempotencyKeyReused(d)
            | Self::PreconditionRequired(d) => d.clone(),
            Self::Unavailable(_) => "a service we depend on is not answering; try again shortly".to_owned(),
            Self::MethodNotAllowed => "this route does not accept that method".to_owned(),
            Self::EmailUnverified => {
                "open the link we sent to your e-mail address to buy, sell or message; you can ask for it again"
                    .to_owned()
            }
            Self::Validation(errors) => format!("{} field(s) are invalid", errors.len()),
            Self::TooManyRequests { retry_after_secs } => {
                format!("try again in {retry_after_secs} seconds")
            }
            Self::Internal(_) => "something went wrong on our side; it has been logged".to_owned(),
        };
        Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: self.status().as_u16(),
            detail,
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(%cause, "service unavailable"),
            _ => tracing::debug!(error = %self, "request rejected"),
        }
        let problem = self.to_problem();
        let mut response = (self.status(), axum::Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Self::TooManyRequests { retry_after_secs } = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if matches!(self, Self::Unauthorized(_)) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    /// Constraint violations are the client's doing (a duplicate value, a
    /// dangling reference) and map to 409/422 without naming the constraint,
    /// which is schema detail; everything else is ours. A constraint a client
    /// can trip on purpose deserves a precise message: [`OnConstraint`].
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            match db.code().as_deref() {
                Some("23505") => {
                    tracing::debug!(constraint = db.constraint(), "unique violation");
                    return Self::Conflict("a record with the same value already exists".to_owned());
                }
                Some("23503") => {
                    tracing::debug!(constraint = db.constraint(), "foreign key violation");
                    return Self::field("", "refers to something that does not exist");
                }
                Some("23514") | Some("23502") | Some("22001") => {
                    tracing::debug!(constraint = db.constraint(), "check violation");
                    return Self::field("", "violates a rule of the catalog");
                }
                // Data exceptions: text with NUL bytes, numbers out of range. The
                // value came from the client, so the client hears about it.
                Some(code) if code.starts_with("22") => {
                    return Self::BadRequest("a value in the request cannot be stored or compared".to_owned());
                }
                Some("40001") | Some("40P01") => {
                    return Self::Unavailable(format!("transaction conflict: {err}"));
                }
                _ => {}
            }
        }
        if matches!(err, sqlx::Error::PoolTimedOut) {
            return Self::Unavailable("database connection pool exhausted".to_owned());
        }
        Self::Internal(err.into())
    }
}

/// A database error on its way to the client: either still the database's
/// (turned into an [`ApiError`] by the generic mapping above), or already
/// mapped by [`OnConstraint::on_constraint`].
#[derive(Debug)]
pub enum StoreError {
    Database(sqlx::Error),
    Mapped(ApiError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        Self::Database(err)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Database(err) => err.into(),
            StoreError::Mapped(err) => err,
        }
    }
}

/// Maps the violation of one named constraint to the API error a client
/// should see, e.g. `.on_constraint("artists_slug_key", || ApiError::Conflict(..))`.
/// Calls chain, one per constraint; other errors pass through unchanged.
pub trait OnConstraint<T> {
    fn on_constraint(self, constraint: &str, error: impl FnOnce() -> ApiError) -> Result<T, StoreError>;
}

impl<T> OnConstraint<T> for Result<T, sqlx::Error> {
    fn on_constraint(self, constraint: &str, error: impl FnOnce() -> ApiError) -> Result<T, StoreError> {
        self.map_err(StoreError::Database).on_constraint(constraint, error)
    }
}

impl<T> OnConstraint<T> for Result<T, StoreError> {
    fn on_constraint(self, constraint: &str, error: impl FnOnce() -> ApiError) -> Result<T, StoreError> {
        match self {
            Err(StoreError::Database(sqlx::Error::Database(db))) if db.constraint() == Some(constraint) => {
                Err(StoreError::Mapped(error()))
            }
            other => other,
        }
    }
}

/// A failure inside a compound value, naming the part at fault (`size` of an
/// edition), so the error can point at the exact input (`edition.size`).
#[derive(Debug, PartialEq, Eq)]
pub struct PartError {
    pub part: &'static str,
    pub message: String,
}

impl PartError {
    pub fn new(part: &'static str, message: impl Into<String>) -> Self {
        Self { part, message: message.into() }
    }
}

/// Collects per-field failures while a request is parsed into domain types, so
/// that one response lists every problem instead of the first.
#[derive(Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }

    /// Parses one field, recording its error and returning `None` on failure.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.push(field, e.to_string());
                None
            }
        }
    }

    /// Like [`Self::check`] for compound values: the error lands on
    /// `field.part`.
    pub fn check_part<T>(&mut self, field: &str, result: Result<T, PartError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(PartError { part, message }) => {
                self.push(format!("{field}.{part}"), message);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> ApiResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::Validation(self.0)) }
    }

    /// Assembles the parsed value once every field has been checked. `build` uses
    /// `?` on the per-field options; it can only see `None` where an error was recorded.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> ApiResult<T> {
        self.into_result()?;
        build().ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a field failed without an error")))
    }
}
