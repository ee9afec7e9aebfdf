//! The deployment descriptions checked against the code: every Lambda binary is a
//! function of `template.yaml`, every Vercel entry file is routed by
//! `vercel.json`, and every path the routers serve reaches the function of its
//! family through both. Which family serves a path is asked of the routers
//! themselves, with a method no route accepts: a router answers 405 for a path
//! it has and 404 for one it lacks, before any handler runs, so no database is
//! needed.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

use atelier::{
    app::{AppContext, Family, family_router},
    platform::config::{
        Config, EmbedderBackend, Environment, KvBackend, PaymentsBackend, QueueBackend, SocketRegistryBackend,
        StorageConfig, VectorIndexConfig,
    },
};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::Value as Json;
use serde_norway::Value as Yaml;
use tower::ServiceExt;

/// Stands for every path parameter: ids are UUIDs, and slugs accept it too.
const SAMPLE_ID: &str = "01900000-0000-7000-8000-000000000001";

fn repo_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo_file(relative)).unwrap_or_else(|e| panic!("reading {relative}: {e}"))
}

/// Fails with every problem at once, so one run shows all that is missing.
fn assert_no_problems(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{what}:\n  - {}", problems.join("\n  - "));
}

fn family_name(family: Family) -> String {
    format!("{family:?}")
}

// --- Cargo.toml ---------------------------------------------------------------

struct Bin {
    name: String,
    path: String,
    /// The `Family::X` the entry file hands to its host, if any.
    family: Option<String>,
}

fn cargo_bins() -> Vec<Bin> {
    let manifest: toml::Table = read("Cargo.toml").parse().expect("Cargo.toml parses");
    let bins = manifest.get("bin").and_then(|b| b.as_array()).expect("Cargo.toml lists [[bin]]s");
    bins.iter()
        .map(|bin| {
            let field = |key: &str| {
                bin.get(key).and_then(|v| v.as_str()).unwrap_or_else(|| panic!("a [[bin]] has no {key}")).to_owned()
            };
            let path = field("path");
            let family = entry_family(&read(&path));
            Bin { name: field("name"), path, family }
        })
        .collect()
}

fn entry_family(source: &str) -> Option<String> {
    let (_, rest) = source.split_once("Family::")?;
    Some(rest.chars().take_while(char::is_ascii_alphanumeric).collect())
}

/// `.rs` files directly in `dir`: with `autobins = false`, one that is not a
/// `[[bin]]` is silently never built.
fn entry_files(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(repo_file(dir))
        .unwrap_or_else(|e| panic!("listing {dir}: {e}"))
        .map(|entry| entry.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".rs"))
        .map(|name| format!("{dir}/{name}"))
        .collect()
}

// --- The routers --------------------------------------------------------------

struct Route {
    /// As the OpenAPI document writes it, e.g. `/api/artworks/{id}`.
    template: String,
    /// With every parameter filled in, as a request would carry it.
    path: String,
    methods: Vec<Method>,
    family: String,
}

fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| if segment.starts_with('{') && segment.ends_with('}') { SAMPLE_ID } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

/// A context whose ports are never reached: the pool connects lazily, and the
/// probes never get past routing.
async fn probe_context() -> AppContext {
    let config =
        Config::from_lookup(|name| (name == "DATABASE_URL").then(|| "postgres://probe@127.0.0.1:9/unused".to_owned()))
            .expect("a development configuration");
    AppContext::from_config(config).await.expect("a context without connections")
}

/// Every path of the OpenAPI document with its methods and the one family
/// whose router serves it.
async fn routes() -> Vec<Route> {
    let document = serde_json::to_value(atelier::app::openapi()).expect("the document serialises");
    let paths = document["paths"].as_object().expect("the document has paths");
    assert!(!paths.is_empty(), "the OpenAPI document lists no paths");
    let ctx = probe_context().await;
    let routers: Vec<_> = Family::ALL.into_iter().map(|f| (f, family_router(f, ctx.clone()))).collect();
    let mut problems = Vec::new();
    let mut routes = Vec::new();
    for (template, item) in paths {
        let path = concrete(template);
        let mut owners = Vec::new();
        for (family, router) in &routers {
            let probe = Request::builder().method(Method::TRACE).uri(&path).body(Body::empty()).unwrap();
            let status = router.clone().oneshot(probe).await.expect("routers are infallible").status();
            match status {
                StatusCode::METHOD_NOT_ALLOWED => owners.push(*family),
                StatusCode::NOT_FOUND => {}
                other => panic!("TRACE {path} on the {family:?} router answered {other}, not 404 or 405"),
            }
        }
        let methods: Vec<Method> = item
            .as_object()
            .expect("a path item is an object")
            .keys()
            .filter_map(|key| key.to_uppercase().parse().ok())
            .filter(|method: &Method| ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()))
            .collect();
        match owners.as_slice() {
            [family] => routes.push(Route { template: template.clone(), path, methods, family: family_name(*family) }),
            [] => problems.push(format!("{template} is in the OpenAPI document but no family router serves it")),
            many => problems.push(format!("{template} is served by several families: {many:?}")),
        }
    }
    assert_no_problems("routes without exactly one family", &problems);
    routes
}

// --- template.yaml ------------------------------------------------------------

fn template() -> Yaml {
    serde_norway::from_str(&read("template.yaml")).expect("template.yaml parses as YAML")
}

/// `(tag, value)` of a short-form intrinsic such as `!Ref X` or `!GetAtt X.Arn`.
fn intrinsic(value: &Yaml) -> Option<(String, String)> {
    let Yaml::Tagged(tagged) = value else { return None };
    let tag = tagged.tag.to_string().trim_start_matches('!').to_owned();
    Some((tag, tagged.value.as_str()?.to_owned()))
}

fn resources(template: &Yaml) -> Vec<(String, &Yaml)> {
    template["Resources"]
        .as_mapping()
        .expect("template.yaml has Resources")
        .iter()
        .map(|(id, resource)| (id.as_str().expect("logical ids are strings").to_owned(), resource))
        .collect()
}

fn resources_of_type<'a>(template: &'a Yaml, kind: &str) -> Vec<(String, &'a Yaml)> {
    resources(template).into_iter().filter(|(_, r)| r["Type"].as_str() == Some(kind)).collect()
}

/// A function property, falling back to `Globals.Function`.
fn function_property<'a>(template: &'a Yaml, function: &'a Yaml, key: &str) -> &'a Yaml {
    match &function["Properties"][key] {
        Yaml::Null => &template["Globals"]["Function"][key],
        own => own,
    }
}

fn number(value: &Yaml) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str()?.parse().ok())
}

/// Function logical id → the Cargo binary it builds.
fn template_binaries(template: &Yaml) -> BTreeMap<String, String> {
    resources_of_type(template, "AWS::Serverless::Function")
        .into_iter()
        .filter_map(|(id, f)| Some((id, f["Metadata"]["BuildProperties"]["Binary"].as_str()?.to_owned())))
        .collect()
}

struct ApiRoute {
    /// `None` is the `$default` route.
    path: Option<String>,
    method: String,
    function: String,
}

fn api_routes(template: &Yaml) -> Vec<ApiRoute> {
    let apis: BTreeSet<String> =
        resources_of_type(template, "AWS::Serverless::HttpApi").into_iter().map(|(id, _)| id).collect();
    let mut routes = Vec::new();
    for (function, resource) in resources_of_type(template, "AWS::Serverless::Function") {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else { continue };
        for (name, event) in events {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let properties = &event["Properties"];
            let api = intrinsic(&properties["ApiId"]);
            assert!(
                matches!(&api, Some((tag, id)) if tag == "Ref" && apis.contains(id)),
                "{function} event {name:?} is not attached to the template's HttpApi"
            );
            routes.push(ApiRoute {
                path: properties["Path"].as_str().map(str::to_owned),
                method: properties["Method"].as_str().unwrap_or("ANY").to_uppercase(),
                function: function.clone(),
            });
        }
    }
    routes
}

/// How well `route` matches `path`, `None` when it does not. HTTP APIs prefer a
/// route without a greedy `{proxy+}`, then the one with more literal segments.
fn api_route_match(route: &str, path: &str) -> Option<(bool, usize)> {
    let route: Vec<&str> = route.trim_start_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut literals = 0;
    for (i, segment) in route.iter().enumerate() {
        if segment.starts_with('{') && segment.ends_with("+}") {
            assert_eq!(i, route.len() - 1, "a greedy variable must end the route");
            return (path.len() > i && path[i..].iter().all(|s| !s.is_empty())).then_some((false, literals));
        }
        let actual = path.get(i)?;
        if segment.starts_with('{') && segment.ends_with('}') {
            if actual.is_empty() {
                return None;
            }
        } else if segment != actual {
            return None;
        } else {
            literals += 1;
        }
    }
    (route.len() == path.len()).then_some((true, literals))
}

/// The function the HTTP API invokes for a request.
fn api_target<'a>(routes: &'a [ApiRoute], method: &Method, path: &str) -> Result<&'a str, String> {
    let candidates: Vec<((bool, usize), &ApiRoute)> = routes
        .iter()
        .filter(|r| r.method == "ANY" || r.method == method.as_str())
        .filter_map(|r| Some((api_route_match(r.path.as_deref()?, path)?, r)))
        .collect();
    let Some(best) = candidates.iter().map(|(rank, _)| *rank).max() else {
        return routes
            .iter()
            .find(|r| r.path.is_none())
            .map(|r| r.function.as_str())
            .ok_or_else(|| "no route matches it and there is no $default route".to_owned());
    };
    let winners: BTreeSet<&str> =
        candidates.iter().filter(|(rank, _)| *rank == best).map(|(_, r)| r.function.as_str()).collect();
    match winners.len() {
        1 => Ok(winners.into_iter().next().unwrap()),
        _ => Err(format!("equally specific routes of several functions match it: {winners:?}")),
    }
}

// --- vercel.json --------------------------------------------------------------

fn vercel() -> Json {
    serde_json::from_str(&read("vercel.json")).expect("vercel.json parses as JSON")
}

#[derive(Debug, PartialEq)]
enum VercelTarget {
    /// An `api/<name>.rs` function.
    Function(String),
    /// A file of the static export.
    Static(String),
    Unrouted,
}

enum Segment {
    Literal(String),
    /// `([^/]+)`: one segment.
    One,
    /// `(.*)`, last: whatever follows, slashes included.
    Rest,
}

/// The part of Vercel's path-to-regexp sources this project uses. Named
/// parameters are refused on purpose: Vercel appends unused ones to the
/// destination as query parameters, which strict query parsing rejects.
fn vercel_pattern(source: &str) -> Result<Vec<Segment>, String> {
    let source = source.strip_prefix('/').ok_or("does not start with /")?;
    // Slashes inside a group, as in ([^/]+), do not separate segments.
    let mut parts = vec![String::new()];
    let mut depth = 0_i32;
    for c in source.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '/' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().expect("parts start non-empty").push(c);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| match part.as_str() {
            "([^/]+)" => Ok(Segment::One),
            "(.*)" if i == parts.len() - 1 => Ok(Segment::Rest),
            literal if !literal.contains(|c| "()[]{}*+?:\\".contains(c)) => Ok(Segment::Literal(literal.to_owned())),
            other => Err(format!("segment {other:?} is not a literal, ([^/]+) or a final (.*)")),
        })
        .collect()
}

fn vercel_pattern_matches(pattern: &[Segment], path: &str) -> bool {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for (i, segment) in pattern.iter().enumerate() {
        match segment {
            Segment::Rest => return parts.len() > i,
            Segment::One if parts.get(i).is_some_and(|p| !p.is_empty()) => {}
            Segment::Literal(literal) if parts.get(i) == Some(&literal.as_str()) => {}
            _ => return false,
        }
    }
    parts.len() == pattern.len()
}

/// What Vercel serves for `path`: a function file by its name, else the first
/// rewrite whose source matches.
fn vercel_target(config: &Json, api_files: &BTreeSet<String>, path: &str) -> Result<VercelTarget, String> {
    if let Some(name) = path.strip_prefix("/api/")
        && api_files.contains(&format!("api/{name}.rs"))
    {
        return Ok(VercelTarget::Function(name.to_owned()));
    }
    for rewrite in config["rewrites"].as_array().into_iter().flatten() {
        let source = rewrite["source"].as_str().ok_or("a rewrite has no source")?;
        let destination = rewrite["destination"].as_str().ok_or("a rewrite has no destination")?;
        let pattern = vercel_pattern(source).map_err(|e| format!("rewrite source {source:?}: {e}"))?;
        if vercel_pattern_matches(&pattern, path) {
            return Ok(match destination.strip_prefix("/api/") {
                Some(name) => VercelTarget::Function(name.to_owned()),
                None => VercelTarget::Static(destination.to_owned()),
            });
        }
    }
    Ok(VercelTarget::Unrouted)
}

/// `*` within one path segment, the only glob this project's patterns use.
fn glob_matches(pattern: &str, path: &str) -> bool {
    fn segment(pattern: &str, text: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == text,
            Some((head, tail)) => {
                text.starts_with(head) && (head.len()..=text.len()).any(|i| segment(tail, &text[i..]))
            }
        }
    }
    let (pattern, path): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    pattern.len() == path.len() && pattern.iter().zip(&path).all(|(p, s)| segment(p, s))
}

// --- The checks -----------------------------------------------------------------

#[test]
fn every_lambda_binary_is_a_template_function_and_every_function_a_lambda_binary() {
    let template = template();
    let bins = cargo_bins();
    let mut problems = Vec::new();
    let bin_paths: BTreeSet<&str> = bins.iter().map(|b| b.path.as_str()).collect();
    for file in entry_files("functions") {
        if !bin_paths.contains(file.as_str()) {
            problems.push(format!("{file} is not a [[bin]] in Cargo.toml, so it is never built"));
        }
    }
    let lambda_bins: BTreeSet<&str> =
        bins.iter().filter(|b| b.path.starts_with("functions/")).map(|b| b.name.as_str()).collect();
    let mut built = BTreeMap::<String, String>::new();
    for (id, function) in resources_of_type(&template, "AWS::Serverless::Function") {
        if function["Metadata"]["BuildMethod"].as_str() != Some("rust-cargolambda") {
            problems.push(format!("{id} does not have Metadata.BuildMethod: rust-cargolambda"));
        }
        let code_uri = function_property(&template, function, "CodeUri").as_str().unwrap_or_default();
        if !repo_file(code_uri).join("Cargo.toml").is_file() {
            problems.push(format!("{id}'s CodeUri {code_uri:?} is not the directory holding Cargo.toml"));
        }
        match function["Metadata"]["BuildProperties"]["Binary"].as_str() {
            None => problems.push(format!("{id} names no binary in Metadata.BuildProperties.Binary")),
            Some(binary) if !lambda_bins.contains(binary) => {
                problems.push(format!("{id} builds {binary:?}, which is not a [[bin]] under functions/"))
            }
            Some(binary) => {
                if let Some(other) = built.insert(binary.to_owned(), id.clone()) {
                    problems.push(format!("{other} and {id} both build {binary:?}"));
                }
            }
        }
    }
    for binary in &lambda_bins {
        if !built.contains_key(*binary) {
            problems.push(format!("the Lambda binary {binary:?} has no function in template.yaml"));
        }
    }
    assert_no_problems("template.yaml and the Lambda binaries disagree", &problems);
}

#[test]
fn every_vercel_entry_file_is_a_binary_and_configured() {
    let config = vercel();
    let bins = cargo_bins();
    let files = entry_files("api");
    let bin_paths: BTreeSet<&str> = bins.iter().map(|b| b.path.as_str()).collect();
    let mut problems = Vec::new();
    for file in &files {
        if !bin_paths.contains(file.as_str()) {
            problems.push(format!("{file} is not a [[bin]] in Cargo.toml; Vercel builds each api/ file as its binary"));
        }
    }
    for bin in bins.iter().filter(|b| b.path.starts_with("api/")) {
        if !files.contains(&bin.path) {
            problems.push(format!("the [[bin]] {:?} points at {}, which is not in api/", bin.name, bin.path));
        }
    }
    let patterns: Vec<&str> =
        config["functions"].as_object().into_iter().flat_map(|f| f.keys()).map(String::as_str).collect();
    for pattern in &patterns {
        // Vercel refuses a deployment whose function pattern matches nothing.
        if !files.iter().any(|file| glob_matches(pattern, file)) {
            problems.push(format!("vercel.json functions pattern {pattern:?} matches no file"));
        }
    }
    for file in &files {
        if !patterns.iter().any(|pattern| glob_matches(pattern, file)) {
            problems.push(format!("{file} is not covered by a vercel.json functions pattern"));
        }
    }
    for rewrite in config["rewrites"].as_array().into_iter().flatten() {
        let source = rewrite["source"].as_str().unwrap_or_default();
        if let Err(e) = vercel_pattern(source) {
            problems.push(format!("rewrite source {source:?}: {e}"));
        }
        let destination = rewrite["destination"].as_str().unwrap_or_default();
        match destination.strip_prefix("/api/") {
            Some(name) if !files.contains(&format!("api/{name}.rs")) => {
                problems.push(format!("rewrite {source:?} goes to {destination:?}, but there is no api/{name}.rs"))
            }
            Some(_) => {}
            None if !destination.ends_with(".html") => problems.push(format!(
                "rewrite {source:?} goes to {destination:?}, which is neither a function nor a page of the static export"
            )),
            None => {}
        }
    }
    assert_no_problems("vercel.json and the Vercel entry files disagree", &problems);
}

#[tokio::test]
async fn every_route_reaches_its_family_function_on_aws_and_on_vercel() {
    let routes = routes().await;
    let template = template();
    let vercel = vercel();
    let bins = cargo_bins();
    let api_files = entry_files("api");
    let family_of_bin: BTreeMap<&str, &str> =
        bins.iter().filter_map(|b| Some((b.name.as_str(), b.family.as_deref()?))).collect();
    let family_of_api_file: BTreeMap<String, &str> = bins
        .iter()
        .filter_map(|b| Some((b.path.strip_prefix("api/")?.strip_suffix(".rs")?.to_owned(), b.family.as_deref()?)))
        .collect();
    let binaries = template_binaries(&template);
    let api_routes = api_routes(&template);
    let mut problems = Vec::new();
    let mut reached_functions = BTreeSet::new();
    let mut reached_files = BTreeSet::new();
    for route in &routes {
        for method in &route.methods {
            let request = format!("{method} {} (family {})", route.template, route.family);
            match api_target(&api_routes, method, &route.path) {
                Err(e) => problems.push(format!("AWS: {request}: {e}")),
                Ok(function) => {
                    let binary = binaries.get(function).map_or("?", String::as_str);
                    let family = family_of_bin.get(binary).copied().unwrap_or("none");
                    if family != route.family {
                        problems.push(format!("AWS: {request} reaches {function} ({binary}, family {family})"));
                    }
                    reached_functions.insert(function.to_owned());
                }
            }
            match vercel_target(&vercel, &api_files, &route.path) {
                Err(e) => problems.push(format!("Vercel: {request}: {e}")),
                Ok(VercelTarget::Function(name)) => {
                    let family = family_of_api_file.get(&name).copied().unwrap_or("none");
                    if family != route.family {
                        problems.push(format!("Vercel: {request} reaches api/{name}.rs (family {family})"));
                    }
                    reached_files.insert(name);
                }
                Ok(other) => problems.push(format!("Vercel: {request} is not routed to a function: {other:?}")),
            }
        }
    }
    for (id, binary) in &binaries {
        if family_of_bin.contains_key(binary.as_str()) && !reached_functions.contains(id) {
            problems.push(format!("AWS: no route of the OpenAPI document reaches {id} ({binary})"));
        }
    }
    for name in family_of_api_file.keys() {
        if !reached_files.contains(name) {
            problems.push(format!("Vercel: no route of the OpenAPI document reaches api/{name}.rs"));
        }
    }
    // Unknown API paths must still be answered by the API (a problem
    // document), not by API Gateway or the web site's 404 page.
    let unknown = "/api/no-such-route/x";
    if let Err(e) = api_target(&api_routes, &Method::GET, unknown) {
        problems.push(format!("AWS: GET {unknown}: {e}"));
    }
    match vercel_target(&vercel, &api_files, unknown) {
        Ok(VercelTarget::Function(_)) => {}
        other => problems.push(format!("Vercel: GET {unknown} is not answered by a function: {other:?}")),
    }
    // Vercel Cron sends GET to each path; it must reach the route that runs the job.
    for cron in vercel["crons"].as_array().into_iter().flatten() {
        let path = cron["path"].as_str().unwrap_or_default();
        match routes.iter().find(|r| r.path == path) {
            None => problems.push(format!("Vercel: cron path {path:?} is not a route of the OpenAPI document")),
            Some(route) if !route.methods.contains(&Method::GET) => {
                problems.push(format!("Vercel: cron path {path:?} does not answer GET"))
            }
            Some(_) => {}
        }
    }
    assert_no_problems("routes that do not reach their family's function", &problems);
}

/// Resolves an environment value as CloudFormation would, with stand-ins for
/// what only a deployment knows: a parameter's default, else a placeholder.
fn environment_value(template: &Yaml, value: &Yaml) -> String {
    if let Some((tag, target)) = intrinsic(value) {
        let default = &template["Parameters"][target.as_str()]["Default"];
        return match (tag.as_str(), default) {
            ("Ref", Yaml::String(s)) => s.clone(),
            ("Ref", Yaml::Number(n)) => n.to_string(),
            // The text with its ${...} left in: what it is shaped like.
            ("Sub", _) => target,
            _ => format!("<{tag} {target}>"),
        };
    }
    match value {
        Yaml::String(s) => s.clone(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        other => panic!("unexpected environment value {other:?}"),
    }
}

#[test]
fn the_template_environment_is_a_production_configuration_of_the_cloud_adapters() {
    let template = template();
    let variables: BTreeMap<String, String> = template["Globals"]["Function"]["Environment"]["Variables"]
        .as_mapping()
        .expect("Globals.Function.Environment.Variables")
        .iter()
        .map(|(k, v)| (k.as_str().expect("variable names are strings").to_owned(), environment_value(&template, v)))
        .collect();
    for (id, function) in resources_of_type(&template, "AWS::Serverless::Function") {
        assert!(
            function["Properties"]["Environment"].is_null(),
            "{id} sets its own environment; every function builds the same context, so keep it in Globals"
        );
    }
    let read = std::sync::Mutex::new(BTreeSet::new());
    let config = Config::from_lookup(|name| {
        read.lock().unwrap().insert(name.to_owned());
        variables.get(name).cloned()
    })
    .unwrap_or_else(|e| panic!("the template's environment is not a valid configuration: {e:#}"));
    assert_eq!(config.environment, Environment::Production);
    assert!(config.auth.signing_key_pem.is_some(), "no JWT signing key");
    match &config.storage {
        StorageConfig::S3 { bucket, endpoint_url: None, .. } => assert_eq!(bucket, "<Ref MediaBucket>"),
        other => panic!("the object store is not S3 on AWS: {other:?}"),
    }
    match &config.queue.backend {
        QueueBackend::Sqs { media_queue_url, embed_queue_url, realtime_queue_url, endpoint_url: None } => {
            assert_eq!(media_queue_url, "<Ref MediaQueue>");
            assert_eq!(embed_queue_url, "<Ref EmbedQueue>");
            assert_eq!(realtime_queue_url, "<Ref RealtimeQueue>");
        }
        other => panic!("the job queue is not SQS on AWS: {other:?}"),
    }
    assert!(
        matches!(&config.kv, KvBackend::DynamoDb { table, endpoint_url: None } if table == "<Ref KvTable>"),
        "the key-value port is not the DynamoDB table: {:?}",
        config.kv
    );
    let sockets = config.sockets.as_ref().expect("live connections are held by the WebSocket API on AWS");
    assert!(
        matches!(&sockets.registry, SocketRegistryBackend::DynamoDb { table, endpoint_url: None } if table == "<Ref SocketsTable>"),
        "the sockets registry is not the sockets table: {:?}",
        sockets.registry
    );
    assert!(matches!(config.vectors, VectorIndexConfig::Qdrant { .. }), "the vector index is not Qdrant");
    assert!(matches!(config.embedder.backend, EmbedderBackend::OpenAi(_)), "the embedder is not the API one");
    match &config.payments.backend {
        PaymentsBackend::Stripe(stripe) => {
            assert_eq!(stripe.api_base, "https://api.stripe.com", "the functions must reach Stripe itself");
            for (name, value) in [
                ("STRIPE_SECRET_KEY", stripe.secret_key.expose()),
                ("STRIPE_PUBLISHABLE_KEY", stripe.publishable_key.as_str()),
            ] {
                assert!(value.contains("resolve:secretsmanager:"), "{name} is not read from Secrets Manager: {value}");
            }
        }
        other => panic!("payments do not go to Stripe on AWS: {other:?}"),
    }
    for secret in &config.payments.webhook_secrets {
        assert!(
            secret.expose().contains("resolve:secretsmanager:"),
            "the webhook secrets are not read from Secrets Manager"
        );
    }
    // A misspelt optional variable would silently leave its default in force.
    // RUST_LOG is read by the tracing filter, not the configuration.
    let read = read.into_inner().unwrap();
    let unread: Vec<&String> =
        variables.keys().filter(|name| !read.contains(*name) && name.as_str() != "RUST_LOG").collect();
    assert!(unread.is_empty(), "template.yaml sets variables the configuration never reads: {unread:?}");
}

#[test]
fn workers_consume_their_queues_with_partial_batch_failures_and_dead_letters() {
    let template = template();
    let binaries = template_binaries(&template);
    let environment = &template["Globals"]["Function"]["Environment"]["Variables"];
    let queue_of_variable = |variable: &str| match intrinsic(&environment[variable]) {
        Some((tag, id)) if tag == "Ref" => id,
        _ => panic!("{variable} is not a !Ref to a queue"),
    };
    // Jobs go to a queue by kind prefix (media. / embed. / notify. and
    // realtime.); each worker
    // consumes the queue its jobs are sent to.
    let expected: BTreeMap<&str, String> = BTreeMap::from([
        ("media-worker", queue_of_variable("SQS_MEDIA_QUEUE_URL")),
        ("embed-worker", queue_of_variable("SQS_EMBED_QUEUE_URL")),
        ("realtime-worker", queue_of_variable("SQS_REALTIME_QUEUE_URL")),
    ]);
    let mut problems = Vec::new();
    let mut consumers = BTreeMap::new();
    for (id, function) in resources_of_type(&template, "AWS::Serverless::Function") {
        let binary = binaries.get(&id).cloned().unwrap_or_default();
        let events = function["Properties"]["Events"].as_mapping().into_iter().flatten();
        for (name, event) in events.filter(|(_, e)| e["Type"].as_str() == Some("SQS")) {
            let properties = &event["Properties"];
            let Some((_, queue_attribute)) = intrinsic(&properties["Queue"]) else {
                problems.push(format!("{id} event {name:?} names its queue without !GetAtt"));
                continue;
            };
            let queue = queue_attribute.trim_end_matches(".Arn").to_owned();
            consumers.insert(binary.clone(), queue.clone());
            let failures = properties["FunctionResponseTypes"].as_sequence().into_iter().flatten();
            if !failures.filter_map(Yaml::as_str).any(|t| t == "ReportBatchItemFailures") {
                problems.push(format!(
                    "{id} does not report batch item failures: the worker answers with the failed messages, \
                     and without it Lambda deletes the whole batch"
                ));
            }
            let timeout = number(function_property(&template, function, "Timeout")).unwrap_or(3);
            let window = number(&properties["MaximumBatchingWindowInSeconds"]).unwrap_or(0);
            let queue_properties = &template["Resources"][queue.as_str()]["Properties"];
            let visibility = number(&queue_properties["VisibilityTimeout"]).unwrap_or(30);
            if visibility < 6 * timeout + window {
                problems.push(format!(
                    "{queue}'s VisibilityTimeout {visibility}s is under six times {id}'s timeout plus its batching window ({}s)",
                    6 * timeout + window
                ));
            }
            let redrive = &queue_properties["RedrivePolicy"];
            match intrinsic(&redrive["deadLetterTargetArn"]) {
                Some((_, target)) => {
                    let dead = target.trim_end_matches(".Arn");
                    let retention = |q: &str| {
                        number(&template["Resources"][q]["Properties"]["MessageRetentionPeriod"]).unwrap_or(345_600)
                    };
                    if template["Resources"][dead]["Type"].as_str() != Some("AWS::SQS::Queue") {
                        problems.push(format!("{queue}'s dead-letter target {dead} is not a queue of the template"));
                    } else if retention(dead) <= retention(&queue) {
                        problems.push(format!(
                            "{dead} must keep messages longer than {queue}, or dead letters expire early"
                        ));
                    }
                }
                None => problems.push(format!("{queue} has no dead-letter queue (RedrivePolicy.deadLetterTargetArn)")),
            }
            if number(&redrive["maxReceiveCount"]).is_none_or(|n| n == 0) {
                problems.push(format!("{queue}'s RedrivePolicy has no maxReceiveCount"));
            }
        }
    }
    for (binary, queue) in &expected {
        match consumers.get(*binary) {
            Some(consumed) if consumed == queue => {}
            other => problems.push(format!("{binary} should consume {queue}, but consumes {other:?}")),
        }
    }
    for binary in consumers.keys() {
        if !expected.contains_key(binary.as_str()) {
            problems.push(format!("{binary} consumes a queue no job kind is sent to"));
        }
    }
    // Upload notifications become jobs in the media worker.
    for (id, bucket) in resources_of_type(&template, "AWS::S3::Bucket") {
        let notifications = bucket["Properties"]["NotificationConfiguration"]["QueueConfigurations"].as_sequence();
        for notification in notifications.into_iter().flatten() {
            let target = intrinsic(&notification["Queue"]).map(|(_, t)| t.trim_end_matches(".Arn").to_owned());
            if target.as_ref() != expected.get("media-worker") {
                problems.push(format!("{id} notifies {target:?}, not the media worker's queue"));
            }
        }
    }
    for binary in ["curate-feed", "commerce-timers", "insights-rollup"] {
        let scheduled = resources_of_type(&template, "AWS::Serverless::Function").into_iter().any(|(id, f)| {
            binaries.get(&id).map(String::as_str) == Some(binary)
                && f["Properties"]["Events"]
                    .as_mapping()
                    .into_iter()
                    .flatten()
                    .any(|(_, e)| matches!(e["Type"].as_str(), Some("Schedule" | "ScheduleV2")))
        });
        if !scheduled {
            problems.push(format!("{binary} has no Schedule or ScheduleV2 event"));
        }
    }
    assert_no_problems("the workers' wiring", &problems);
}

/// The statements a function's permissions hold: its own policies, its role's
/// inline and managed policies, and the template's managed policies either
/// names with `!Ref`.
fn function_statements(template: &Yaml, function: &Yaml) -> Vec<Yaml> {
    let managed = |value: &Yaml| match intrinsic(value) {
        Some((tag, id)) if tag == "Ref" => {
            template["Resources"][id.as_str()]["Properties"]["PolicyDocument"]["Statement"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
        }
        _ => value["Statement"].as_sequence().cloned().unwrap_or_default(),
    };
    let mut statements: Vec<Yaml> =
        function["Properties"]["Policies"].as_sequence().into_iter().flatten().flat_map(managed).collect();
    if let Some((_, role)) = intrinsic(&function["Properties"]["Role"]) {
        let role = &template["Resources"][role.trim_end_matches(".Arn")]["Properties"];
        statements.extend(role["ManagedPolicyArns"].as_sequence().into_iter().flatten().flat_map(managed));
        for policy in role["Policies"].as_sequence().into_iter().flatten() {
            statements.extend(policy["PolicyDocument"]["Statement"].as_sequence().cloned().unwrap_or_default());
        }
    }
    statements
}

/// API Gateway's WebSocket API hands every connection event to the socket
/// function, the management endpoint the functions post to is that API's
/// stage, and what posts may post.
#[test]
fn the_websocket_api_sends_every_connection_event_to_the_socket_function() {
    let template = template();
    let binaries = template_binaries(&template);
    let mut problems = Vec::new();
    let apis = resources_of_type(&template, "AWS::ApiGatewayV2::Api");
    assert_eq!(apis.len(), 1, "one WebSocket API");
    let (api_id, api) = &apis[0];
    assert_eq!(api["Properties"]["ProtocolType"].as_str(), Some("WEBSOCKET"));
    let socket_function = binaries.iter().find(|(_, b)| *b == "realtime-socket").map(|(id, _)| id.clone());
    let socket_function = socket_function.expect("a function builds realtime-socket");
    let mut keys = BTreeSet::new();
    for (id, route) in resources_of_type(&template, "AWS::ApiGatewayV2::Route") {
        let properties = &route["Properties"];
        keys.insert(properties["RouteKey"].as_str().unwrap_or_default().to_owned());
        let target = listed(&properties["Target"]).concat();
        let integration = target.strip_prefix("integrations/${").and_then(|t| t.strip_suffix('}')).unwrap_or_default();
        let integration = &template["Resources"][integration]["Properties"];
        let uri = listed(&integration["IntegrationUri"]).concat();
        if integration["IntegrationType"].as_str() != Some("AWS_PROXY")
            || !uri.contains(&format!("${{{socket_function}.Arn}}"))
        {
            problems.push(format!("{id} ({target}) does not invoke {socket_function} as a proxy"));
        }
    }
    assert_eq!(keys, BTreeSet::from(["$connect", "$default", "$disconnect"].map(str::to_owned)), "routes");
    let invokable = resources_of_type(&template, "AWS::Lambda::Permission").into_iter().any(|(_, p)| {
        let p = &p["Properties"];
        intrinsic(&p["FunctionName"]).is_some_and(|(_, f)| f == socket_function)
            && p["Principal"].as_str() == Some("apigateway.amazonaws.com")
            && listed(&p["SourceArn"]).concat().contains(&format!("${{{api_id}}}"))
    });
    if !invokable {
        problems.push(format!("API Gateway may not invoke {socket_function}: no Lambda permission for {api_id}"));
    }
    let stages = resources_of_type(&template, "AWS::ApiGatewayV2::Stage");
    let stage = stages.iter().find_map(|(_, s)| s["Properties"]["StageName"].as_str()).expect("a stage");
    let gateway = listed(&template["Globals"]["Function"]["Environment"]["Variables"]["SOCKET_GATEWAY_URL"]).concat();
    if !gateway.contains(&format!("${{{api_id}}}")) || !gateway.ends_with(&format!("/{stage}")) {
        problems.push(format!("SOCKET_GATEWAY_URL {gateway:?} is not the management endpoint of {api_id}/{stage}"));
    }
    for binary in ["realtime-socket", "realtime-worker"] {
        let (id, _) = binaries.iter().find(|(_, b)| *b == binary).expect("a function per binary");
        let statements = Yaml::Sequence(function_statements(&template, &template["Resources"][id.as_str()]));
        if !allows(&statements, "execute-api:ManageConnections", &format!("${{{api_id}}}/{stage}/POST/@connections/*"))
        {
            problems.push(format!("{binary} posts to connections but may not execute-api:ManageConnections"));
        }
    }
    let table = &template["Resources"]["SocketsTable"]["Properties"];
    let keys: Vec<(&str, &str)> = table["KeySchema"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|k| Some((k["AttributeName"].as_str()?, k["KeyType"].as_str()?)))
        .collect();
    if keys != [("pk", "HASH"), ("sk", "RANGE")] || table["TimeToLiveSpecification"]["AttributeName"] != "expires_at" {
        problems.push("the sockets table is not keyed pk/sk with TTL on expires_at, as its adapter writes".to_owned());
    }
    assert_no_problems("the WebSocket API's wiring", &problems);
}

/// Whether some statement allows `action` on a resource ending in `suffix`.
fn allows(statements: &Yaml, action: &str, suffix: &str) -> bool {
    statements.as_sequence().into_iter().flatten().any(|statement| {
        statement["Effect"].as_str() == Some("Allow")
            && listed(&statement["Action"]).iter().any(|a| a == action)
            && listed(&statement["Resource"]).iter().any(|r| r.ends_with(suffix))
    })
}

/// The texts of a policy element that is one value or a list of them, with
/// intrinsics such as `!Sub` read as their text.
fn listed(value: &Yaml) -> Vec<String> {
    let one = |value: &Yaml| value.as_str().map(str::to_owned).or_else(|| intrinsic(value).map(|(_, text)| text));
    match value {
        Yaml::Sequence(items) => items.iter().filter_map(one).collect(),
        single => one(single).into_iter().collect(),
    }
}

/// The upload form tags originals pending (`platform::objects::s3`) and the media job
/// retags accepted ones kept; the bucket must expire exactly the pending ones,
/// after the age the local server uses, and both signers may tag.
#[test]
fn the_bucket_expires_originals_still_tagged_pending_and_nothing_kept() {
    use atelier::platform::{
        objects::PENDING_UPLOADS_EXPIRE_AFTER_DAYS,
        objects::s3::{UPLOAD_PENDING, UPLOAD_TAG},
    };
    let template = template();
    let mut problems = Vec::new();
    let buckets = resources_of_type(&template, "AWS::S3::Bucket");
    assert_eq!(buckets.len(), 1, "one media bucket");
    let (bucket_id, bucket) = &buckets[0];
    let properties = &bucket["Properties"];
    let upload_prefixes: Vec<String> = properties["NotificationConfiguration"]["QueueConfigurations"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|n| n["Filter"]["S3Key"]["Rules"].as_sequence().into_iter().flatten())
        .filter(|rule| rule["Name"].as_str() == Some("prefix"))
        .filter_map(|rule| rule["Value"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(upload_prefixes, ["originals/"], "uploads notify from one prefix");
    let pending = BTreeMap::from([("Key", UPLOAD_TAG), ("Value", UPLOAD_PENDING)]);
    let mut expiring = 0;
    for rule in properties["LifecycleConfiguration"]["Rules"].as_sequence().into_iter().flatten() {
        let id = rule["Id"].as_str().unwrap_or("a lifecycle rule");
        let expires = ["ExpirationInDays", "ExpirationDate", "NoncurrentVersionExpiration", "Transitions"]
            .iter()
            .any(|key| !rule[*key].is_null());
        if !expires {
            continue;
        }
        expiring += 1;
        let tags: Vec<BTreeMap<&str, &str>> = rule["TagFilters"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|tag| ["Key", "Value"].into_iter().filter_map(|k| Some((k, tag[k].as_str()?))).collect())
            .collect();
        if tags != [pending.clone()] {
            problems.push(format!(
                "{id} does not filter on exactly {UPLOAD_TAG}={UPLOAD_PENDING}: it would remove kept objects"
            ));
        }
        if rule["Prefix"].as_str() != Some(upload_prefixes[0].as_str()) {
            problems.push(format!("{id} does not limit itself to the uploads' prefix {:?}", upload_prefixes[0]));
        }
        if rule["Status"].as_str() != Some("Enabled") {
            problems.push(format!("{id} is not enabled"));
        }
        if number(&rule["ExpirationInDays"]) != Some(PENDING_UPLOADS_EXPIRE_AFTER_DAYS) {
            problems.push(format!(
                "{id} does not expire after PENDING_UPLOADS_EXPIRE_AFTER_DAYS ({PENDING_UPLOADS_EXPIRE_AFTER_DAYS}), as the local server does"
            ));
        }
    }
    if expiring != 1 {
        problems.push(format!(
            "{bucket_id} should have one expiring lifecycle rule, for pending uploads; it has {expiring}"
        ));
    }
    let originals = "/originals/*";
    let media_policies = template["Resources"]["HttpMediaFunction"]["Properties"]["Policies"].as_sequence();
    let signer_may_tag =
        media_policies.into_iter().flatten().any(|p| allows(&p["Statement"], "s3:PutObjectTagging", originals));
    if !signer_may_tag {
        problems.push("http-media signs the upload form but may not s3:PutObjectTagging originals: S3 would refuse the tagged POST".to_owned());
    }
    let worker_policies = template["Resources"]["MediaWorkerRole"]["Properties"]["Policies"].as_sequence();
    let worker_may_tag = worker_policies
        .into_iter()
        .flatten()
        .any(|p| allows(&p["PolicyDocument"]["Statement"], "s3:PutObjectTagging", originals));
    if !worker_may_tag {
        problems.push("the media worker may not s3:PutObjectTagging originals, so it cannot keep them".to_owned());
    }
    assert_no_problems("the media bucket's lifecycle", &problems);
}

/// Every rewrite of vercel.json to a page of the static export is one the
/// local server applies too, and the local server rewrites nothing Vercel
/// does not: the same URLs reach the same pages on both.
#[tokio::test]
async fn the_local_server_applies_every_page_rewrite_of_vercel_json() {
    use atelier::hosts::{DYNAMIC_PAGES, static_site};
    use http_body_util::BodyExt;

    let config = vercel();
    let api_files = entry_files("api");
    let site_dir = tempfile::tempdir().unwrap();
    let write = |relative: &str, text: &str| {
        let path = site_dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("index.html", "home");
    write("404.html", "no such page");
    let mut problems = Vec::new();
    let mut samples = Vec::new();
    for rewrite in config["rewrites"].as_array().into_iter().flatten() {
        let (source, destination) = (rewrite["source"].as_str().unwrap(), rewrite["destination"].as_str().unwrap());
        if destination.starts_with("/api/") {
            continue;
        }
        let Ok(pattern) = vercel_pattern(source) else {
            problems.push(format!("the page rewrite {source:?} has a source this check cannot read"));
            continue;
        };
        let sample: String = pattern
            .iter()
            .map(|segment| match segment {
                Segment::Literal(literal) => format!("/{literal}"),
                Segment::One => format!("/{SAMPLE_ID}"),
                Segment::Rest => "/a/b".to_owned(),
            })
            .collect();
        match vercel_target(&config, &api_files, &sample) {
            Ok(VercelTarget::Static(page)) if page == destination => {}
            other => problems.push(format!("{sample} reaches {other:?} on Vercel, not its rewrite's {destination}")),
        }
        write(destination.trim_start_matches('/'), destination);
        samples.push((sample, destination.to_owned()));
    }
    for section in DYNAMIC_PAGES {
        let page = format!("/{section}/_/index.html");
        // The site's links end in a slash (Next.js `trailingSlash`); typed
        // and shared addresses often do not.
        for sample in [format!("/{section}/{SAMPLE_ID}"), format!("/{section}/{SAMPLE_ID}/")] {
            if vercel_target(&config, &api_files, &sample) != Ok(VercelTarget::Static(page.clone())) {
                problems
                    .push(format!("the local server serves {page} for {sample}, but vercel.json has no such rewrite"));
            }
        }
    }
    for section in DYNAMIC_PAGES {
        // A section may have an index page of its own (`/collections/`): a
        // file, which both hosts serve before any rewrite.
        let index = format!("/{section}/index.html");
        write(index.trim_start_matches('/'), &index);
        samples.push((format!("/{section}/"), index));
    }
    let site = static_site(site_dir.path(), &[], Default::default());
    for (sample, destination) in &samples {
        let response = site.clone().oneshot(Request::get(sample.as_str()).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        if status != StatusCode::OK || body != destination.as_bytes() {
            problems.push(format!(
                "the local server answers {sample} with {status} {:?}, not {destination} as Vercel does",
                String::from_utf8_lossy(&body)
            ));
        }
    }
    assert!(!samples.is_empty(), "vercel.json has no page rewrites to compare");
    assert_no_problems("the local server and vercel.json route pages differently", &problems);
}

/// vercel.json's headers are the ones the local server puts on the site, so
/// the browser tests run the pages under the production policy.
#[tokio::test]
async fn the_local_site_sends_the_headers_vercel_json_sets() {
    use atelier::hosts::{IMMUTABLE_CACHE_CONTROL, IMMUTABLE_PREFIX, SITE_HEADERS, static_site};

    let config = vercel();
    let rules = config["headers"].as_array().expect("vercel.json has headers");
    let headers_of = |source: &str| -> Vec<(String, String)> {
        rules
            .iter()
            .find(|rule| rule["source"] == source)
            .unwrap_or_else(|| panic!("vercel.json has no headers for {source}"))["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["key"].as_str().unwrap().to_owned(), h["value"].as_str().unwrap().to_owned()))
            .collect()
    };
    let local: Vec<(String, String)> = SITE_HEADERS.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    assert_eq!(headers_of("/(.*)"), local, "vercel.json's site-wide headers differ from hosts::SITE_HEADERS");
    assert_eq!(
        headers_of(&format!("{IMMUTABLE_PREFIX}(.*)")),
        vec![("Cache-Control".to_owned(), IMMUTABLE_CACHE_CONTROL.to_owned())]
    );

    let site_dir = tempfile::tempdir().unwrap();
    for (path, text) in [("index.html", "home"), ("404.html", "no such page"), ("_next/static/chunks/app.js", "js")] {
        let path = site_dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let site = static_site(site_dir.path(), &[], Default::default());
    for path in ["/", "/nowhere", "/_next/static/chunks/app.js"] {
        let response = site.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        for (name, value) in SITE_HEADERS {
            let sent: Vec<_> = response.headers().get_all(*name).iter().filter_map(|v| v.to_str().ok()).collect();
            assert!(sent.contains(value), "{name} on {path}: {sent:?}");
        }
        let immutable = response.headers().get("cache-control").is_some_and(|v| v == IMMUTABLE_CACHE_CONTROL);
        assert_eq!(immutable, path.starts_with(IMMUTABLE_PREFIX), "Cache-Control on {path}");
    }
}
