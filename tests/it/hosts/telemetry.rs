//! Request telemetry on each host: Prometheus metrics from the local server,
//! CloudWatch EMF lines and JSON request logs from a Lambda function.

use std::{io::Read, process::Stdio, time::Duration};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::{
    contracts::standins::production_settings,
    hosts::runtimes::{host_env, http_api_event, lambda_command, start_runtime_api},
    support::{Killed, assert_problem, spawn_app, spawn_app_with},
};

fn sample<'a>(text: &'a str, series: &str) -> Option<&'a str> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let artist = app.artist("metered").await;
    let artwork = artist.artwork(json!({"title": "Counted"})).await;
    let id = artwork.id.as_str();
    for _ in 0..3 {
        assert_eq!(anon.get(&format!("/api/artworks/{id}")).await.status, StatusCode::OK);
    }
    let missing = uuid::Uuid::now_v7();
    assert_eq!(anon.get(&format!("/api/artworks/{missing}")).await.status, StatusCode::NOT_FOUND);
    anon.get("/api/no-such-thing/1").await;
    anon.get("/api/no-such-thing/2").await;

    let response = anon.get("/api/metrics").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").unwrap().starts_with("application/openmetrics-text"));
    let text = response.body.as_str().expect("a text exposition");
    let route = r#"method="GET",route="/api/artworks/{id}""#;
    assert_eq!(sample(text, &format!("atelier_http_requests_total{{{route},status=\"200\"}}")), Some("3"), "{text}");
    assert_eq!(sample(text, &format!("atelier_http_requests_total{{{route},status=\"404\"}}")), Some("1"), "{text}");
    assert_eq!(sample(text, &format!("atelier_http_request_duration_seconds_count{{{route}}}")), Some("4"), "{text}");
    // Raw paths never become labels: both unknown paths share one series.
    assert!(!text.contains(id) && !text.contains("no-such-thing"), "{text}");
    assert_eq!(
        sample(text, r#"atelier_http_requests_total{method="GET",route="/api/{*rest}",status="404"}"#),
        Some("2"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("# EOF"), "an OpenMetrics exposition ends with # EOF");
}

#[tokio::test]
async fn a_metrics_token_guards_the_scrape() {
    let app = spawn_app_with(&[("METRICS_TOKEN", "scrape-secret")]).await;
    let anon = app.anonymous();
    assert_problem(&anon.get("/api/metrics").await, StatusCode::UNAUTHORIZED);
    assert_problem(&app.bearer("wrong").get("/api/metrics").await, StatusCode::UNAUTHORIZED);
    let response = app.bearer("scrape-secret").get("/api/metrics").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.as_str().unwrap().contains("atelier_http_requests_total"));
}

/// In production nobody may scrape without the token: an unset one closes
/// the endpoint rather than opening it.
#[tokio::test]
async fn production_requires_a_metrics_token() {
    let production = production_settings("whsec_telemetry");
    let mut settings: Vec<(&str, &str)> = production.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&settings).await;
    assert_problem(&app.anonymous().get("/api/metrics").await, StatusCode::UNAUTHORIZED);
    assert_problem(&app.bearer("anything").get("/api/metrics").await, StatusCode::UNAUTHORIZED);
    settings.push(("METRICS_TOKEN", "scrape-secret"));
    let app = spawn_app_with(&settings).await;
    assert_eq!(app.bearer("scrape-secret").get("/api/metrics").await.status, StatusCode::OK);
}

#[tokio::test]
async fn hosts_without_prometheus_do_not_serve_metrics() {
    let app = spawn_app_with(&[("METRICS_EXPORT", "off")]).await;
    let anon = app.anonymous();
    assert_problem(&anon.get("/api/metrics").await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_lambda_function_writes_emf_metrics_and_json_request_logs() {
    let app = spawn_app().await;
    let artist = app.artist("emf").await;
    let artwork = artist.artwork(json!({"title": "Measured in the cloud"})).await;
    let id = artwork.id.as_str();

    let (runtime, runtime_addr) = start_runtime_api().await;
    let mut lambda = Killed(
        lambda_command(env!("CARGO_BIN_EXE_http-artworks"), "atelier-http-artworks", runtime_addr)
            .envs(host_env(&app))
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let ok = runtime.invoke(http_api_event(&format!("/api/artworks/{id}"), "")).await;
    assert_eq!(ok["statusCode"], 200);
    let missing = runtime.invoke(http_api_event(&format!("/api/artworks/{}", uuid::Uuid::now_v7()), "")).await;
    assert_eq!(missing["statusCode"], 404);

    // Both answers were written before the replies were posted; stop the
    // function to read everything it wrote.
    tokio::time::sleep(Duration::from_millis(100)).await;
    lambda.0.kill().unwrap();
    let mut stdout = String::new();
    lambda.0.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    let lines: Vec<Value> = stdout.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();

    let emf: Vec<&Value> = lines.iter().filter(|line| line.get("_aws").is_some()).collect();
    assert_eq!(emf.len(), 2, "one EMF line per request:\n{stdout}");
    for (line, status) in emf.iter().zip([200, 404]) {
        assert_eq!(line["Function"], "atelier-http-artworks");
        assert_eq!(line["Route"], "GET /api/artworks/{id}");
        assert_eq!(line["Status"], status);
        assert_eq!(line["Requests"], 1);
        assert_eq!(line["Errors"], 0);
        assert!(line["Latency"].as_f64().unwrap() > 0.0);
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Atelier");
    }

    let responses: Vec<&Value> = lines.iter().filter(|line| line["message"] == "response").collect();
    assert_eq!(responses.len(), 2, "one response log per request:\n{stdout}");
    for (log, status) in responses.iter().zip([200, 404]) {
        assert_eq!(log["status"], status);
        assert!(log["latency_ms"].is_u64());
        assert_eq!(log["span"]["route"], "/api/artworks/{id}");
        assert_eq!(log["span"]["method"], "GET");
        assert!(!log["span"]["request_id"].as_str().unwrap().is_empty(), "{log}");
    }
}
