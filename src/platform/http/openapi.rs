//! How the error answers of every operation get into the OpenAPI document.
//!
//! Most of an operation's error answers follow from its shape, because the
//! extractors and middleware that produce them are shared: a path parameter
//! can be malformed (400) or name nothing (404), a JSON body can be malformed
//! (400), too large (413), of another type (415) or invalid (422), a bearer
//! token can be missing or invalid (401), `If-Match` can be missing (428) or
//! stale (412), and anything can fail on our side (`5XX`). [`document_problems`]
//! adds those to each operation from its parameters, body and security, and
//! gives every 4xx/5xx answer the problem-document body. The route wrappers add
//! what they cause ([`with_parameter`], [`with_problem`]). An operation's own
//! attribute lists only the answers its handler decides: `(status = 403)`,
//! `(status = 409, description = "The slug is taken")`.

use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        Content, OpenApi, RefOr, Response, ResponseBuilder,
        header::HeaderBuilder,
        path::{Operation, Parameter, ParameterIn, Paths},
        schema::{ObjectBuilder, Type},
    },
};

use super::error::{FieldError, Problem};

const PROBLEM_JSON: &str = "application/problem+json";
/// Every operation can fail on our side, with a problem document saying so.
const SERVER_ERRORS: &str = "5XX";

/// The summary a client sees for a status no handler describes more closely;
/// the same words as the problem documents' titles.
fn default_description(status: &str) -> &'static str {
    match status {
        "400" => "The request is malformed",
        "401" => "Authentication is required",
        "403" => "You are not allowed to do this",
        "404" => "The resource does not exist",
        "409" => "The request conflicts with the current state",
        "412" => "The resource has changed",
        "413" => "The request body is too large",
        "415" => "Unsupported media type",
        "422" => "The request contains invalid fields",
        "428" => "A precondition is required",
        "429" => "Too many requests",
        SERVER_ERRORS => "Internal error, or a service we depend on is not answering",
        _ => "The request failed",
    }
}

fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

fn problem_content() -> Content {
    Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(Problem::name()))))
}

/// A problem-document answer with `description`.
pub fn problem_response(description: &str) -> Response {
    ResponseBuilder::new().description(description).content(PROBLEM_JSON, problem_content()).build()
}

fn operations_mut(paths: &mut Paths) -> impl Iterator<Item = &mut Operation> {
    paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
    })
}

/// Adds `parameter` to every operation in `paths` (a route wrapper's header).
pub fn with_parameter(paths: &mut Paths, parameter: Parameter) {
    for operation in operations_mut(paths) {
        operation.parameters.get_or_insert_with(Vec::new).push(parameter.clone());
    }
}

/// Adds a problem answer to every operation in `paths` that does not describe
/// that status itself (a route wrapper's refusal).
pub fn with_problem(paths: &mut Paths, status: &str, response: Response) {
    for operation in operations_mut(paths) {
        operation.responses.responses.entry(status.to_owned()).or_insert_with(|| RefOr::T(response.clone()));
    }
}

/// A 429 answer with the `Retry-After` header every refusal carries.
pub fn rate_limited_response(description: &str) -> Response {
    let retry_after = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
        .description(Some("Seconds to wait before trying again"))
        .build();
    ResponseBuilder::new()
        .description(description)
        .header("Retry-After", retry_after)
        .content(PROBLEM_JSON, problem_content())
        .build()
}

/// The statuses an operation's parameters, body and security imply.
fn implied_statuses(operation: &Operation) -> Vec<&'static str> {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has = |place: ParameterIn| parameters.iter().any(|p| p.parameter_in == place);
    let header = |name: &str| {
        parameters.iter().any(|p| p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case(name))
    };
    let authenticated = operation
        .security
        .as_deref()
        .unwrap_or_default()
        .iter()
        .any(|requirement| serde_json::to_value(requirement).is_ok_and(|v| v.get("bearer").is_some()));
    let mut statuses = Vec::new();
    if has(ParameterIn::Path) {
        statuses.extend(["400", "404"]);
    }
    if has(ParameterIn::Query) {
        statuses.push("422");
    }
    if operation.request_body.is_some() {
        statuses.extend(["400", "413", "415", "422"]);
    }
    if authenticated {
        statuses.push("401");
    }
    if header("If-Match") {
        statuses.extend(["412", "428"]);
    }
    statuses
}

/// Completes the error answers of every operation in `openapi`: the implied
/// statuses are added, every 4xx/5xx answer gets the problem-document body and
/// a description, and every operation gets `5XX`. Also registers the problem
/// schemas, which no handler names any more.
pub fn document_problems(openapi: &mut OpenApi) {
    for operation in operations_mut(&mut openapi.paths) {
        for status in implied_statuses(operation) {
            operation
                .responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| RefOr::T(problem_response(default_description(status))));
        }
        operation
            .responses
            .responses
            .entry(SERVER_ERRORS.to_owned())
            .or_insert_with(|| RefOr::T(problem_response(default_description(SERVER_ERRORS))));
        for (status, response) in operation.responses.responses.iter_mut() {
            let RefOr::T(response) = response else { continue };
            if !is_error(status) {
                continue;
            }
            if response.description.is_empty() {
                response.description = default_description(status).to_owned();
            }
            if response.content.is_empty() {
                response.content.insert(PROBLEM_JSON.to_owned(), problem_content());
            }
        }
    }
    let components = openapi.components.get_or_insert_with(Default::default);
    components.schemas.insert(Problem::name().into_owned(), Problem::schema());
    components.schemas.insert(FieldError::name().into_owned(), FieldError::schema());
}
