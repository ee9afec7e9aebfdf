//! Request metrics: how many requests each route answered, how many failed on
//! our side, and how long they took. Where they go depends on the host:
//! - the local server keeps Prometheus counters and histograms for
//!   `GET /api/metrics` to be scraped;
//! - a Lambda function writes one CloudWatch embedded-metric-format (EMF) line
//!   per request to stdout, which CloudWatch Logs turns into metrics with no
//!   agent and no API call on the request path (a scrape endpoint would be
//!   useless there: each instance lives minutes and is not addressable);
//! - Vercel records request counts and durations itself, so nothing is kept.

use std::{
    io::Write,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, histogram::Histogram},
    registry::Registry,
};

/// Where request metrics go; `METRICS_EXPORT` picks it, and by default the
/// host is recognised from the variables its platform sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricsExport {
    Prometheus,
    /// EMF lines dimensioned by this function name.
    Emf {
        function: String,
    },
    Off,
}

impl MetricsExport {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let lambda_function = get("AWS_LAMBDA_FUNCTION_NAME");
        let emf = |function: Option<String>| Self::Emf { function: function.unwrap_or_else(|| "atelier".to_owned()) };
        Ok(match get("METRICS_EXPORT").as_deref() {
            Some("prometheus") => Self::Prometheus,
            Some("emf") => emf(lambda_function),
            Some("off") => Self::Off,
            Some(other) => anyhow::bail!("METRICS_EXPORT must be prometheus, emf or off, not {other:?}"),
            None if lambda_function.is_some() => emf(lambda_function),
            None if get("VERCEL").is_some() => Self::Off,
            None => Self::Prometheus,
        })
    }
}

/// One answered request. `route` is the matched route template (`/api/artworks/{id}`),
/// never the raw path, so ids cannot multiply the number of series.
pub struct RequestSample<'a> {
    pub method: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub latency: Duration,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

struct Prometheus {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    errors: Family<RouteLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
}

impl Prometheus {
    fn new() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let errors = Family::<RouteLabels, Counter>::default();
        // 5 ms to ~10 s: the range between a cached read and a cold semantic search.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
        });
        let mut registry = Registry::with_prefix("atelier");
        registry.register("http_requests", "HTTP requests answered, by route and status", requests.clone());
        registry.register("http_server_errors", "HTTP requests answered with a 5xx status", errors.clone());
        registry.register("http_request_duration_seconds", "Time to answer an HTTP request", latency.clone());
        Self { registry, requests, errors, latency }
    }
}

pub struct RequestMetrics {
    prometheus: Option<Prometheus>,
    emf_function: Option<String>,
    /// EMF lines are written whole under this lock so concurrent requests never
    /// interleave inside one line.
    stdout: Mutex<()>,
}

impl RequestMetrics {
    pub fn new(export: &MetricsExport) -> Self {
        Self {
            prometheus: matches!(export, MetricsExport::Prometheus).then(Prometheus::new),
            emf_function: match export {
                MetricsExport::Emf { function } => Some(function.clone()),
                _ => None,
            },
            stdout: Mutex::new(()),
        }
    }

    pub fn record(&self, sample: &RequestSample<'_>) {
        let server_error = sample.status >= 500;
        if let Some(p) = &self.prometheus {
            let route = RouteLabels { method: sample.method.to_owned(), route: sample.route.to_owned() };
            p.requests
                .get_or_create(&RequestLabels {
                    method: route.method.clone(),
                    route: route.route.clone(),
                    status: sample.status,
                })
                .inc();
            if server_error {
                p.errors.get_or_create(&route).inc();
            }
            p.latency.get_or_create(&route).observe(sample.latency.as_secs_f64());
        }
        if let Some(function) = &self.emf_function {
            let line = emf_line(function, sample, SystemTime::now());
            let _guard = self.stdout.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut out = std::io::stdout().lock();
            // A lost metric line must never fail the request it describes.
            let _ = writeln!(out, "{line}");
        }
    }

    /// The Prometheus text exposition, or `None` when this host does not keep
    /// Prometheus metrics.
    pub fn render_prometheus(&self) -> Option<String> {
        let p = self.prometheus.as_ref()?;
        let mut text = String::new();
        encode(&mut text, &p.registry).ok()?;
        Some(text)
    }
}

/// One EMF document: the metrics are published per function and per
/// function and route, so a dashboard can show both the total and the
/// route that is slow or failing.
fn emf_line(function: &str, sample: &RequestSample<'_>, now: SystemTime) -> String {
    let timestamp_ms = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    serde_json::json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": "Atelier",
                "Dimensions": [["Function"], ["Function", "Route"]],
                "Metrics": [
                    { "Name": "Requests", "Unit": "Count" },
                    { "Name": "Errors", "Unit": "Count" },
                    { "Name": "Latency", "Unit": "Milliseconds" },
                ],
            }],
        },
        "Function": function,
        "Route": format!("{} {}", sample.method, sample.route),
        "Status": sample.status,
        "Requests": 1,
        "Errors": u8::from(sample.status >= 500),
        "Latency": sample.latency.as_secs_f64() * 1000.0,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn the_host_picks_the_export_unless_told() {
        assert_eq!(MetricsExport::from_lookup(lookup(&[])).unwrap(), MetricsExport::Prometheus);
        assert_eq!(
            MetricsExport::from_lookup(lookup(&[("AWS_LAMBDA_FUNCTION_NAME", "atelier-http-search")])).unwrap(),
            MetricsExport::Emf { function: "atelier-http-search".to_owned() }
        );
        assert_eq!(MetricsExport::from_lookup(lookup(&[("VERCEL", "1")])).unwrap(), MetricsExport::Off);
        assert_eq!(
            MetricsExport::from_lookup(lookup(&[("VERCEL", "1"), ("METRICS_EXPORT", "prometheus")])).unwrap(),
            MetricsExport::Prometheus
        );
        assert!(MetricsExport::from_lookup(lookup(&[("METRICS_EXPORT", "statsd")])).is_err());
    }

    #[test]
    fn an_emf_line_declares_every_metric_it_carries() {
        let sample = RequestSample {
            method: "GET",
            route: "/api/artworks/{id}",
            status: 503,
            latency: Duration::from_micros(12_500),
        };
        let line = emf_line("http-artworks", &sample, UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        assert!(!line.contains('\n'), "EMF documents are single lines");
        let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000u64);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        for name in directive["Metrics"].as_array().unwrap().iter().map(|m| m["Name"].as_str().unwrap()) {
            assert!(doc[name].is_number(), "{name} is declared but not a number at the top level");
        }
        for dimension in directive["Dimensions"].as_array().unwrap().iter().flat_map(|d| d.as_array().unwrap()) {
            assert!(doc[dimension.as_str().unwrap()].is_string(), "dimension {dimension} has no value");
        }
        assert_eq!(doc["Route"], "GET /api/artworks/{id}");
        assert_eq!(doc["Errors"], 1);
        assert_eq!(doc["Latency"], 12.5);
    }

    #[test]
    fn prometheus_counts_by_route_and_status() {
        let metrics = RequestMetrics::new(&MetricsExport::Prometheus);
        for status in [200, 200, 500] {
            metrics.record(&RequestSample {
                method: "GET",
                route: "/api/search",
                status,
                latency: Duration::from_millis(30),
            });
        }
        let text = metrics.render_prometheus().unwrap();
        assert!(
            text.contains(r#"atelier_http_requests_total{method="GET",route="/api/search",status="200"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"atelier_http_requests_total{method="GET",route="/api/search",status="500"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"atelier_http_server_errors_total{method="GET",route="/api/search"} 1"#), "{text}");
        assert!(
            text.contains(r#"atelier_http_request_duration_seconds_count{method="GET",route="/api/search"} 3"#),
            "{text}"
        );
        assert!(RequestMetrics::new(&MetricsExport::Off).render_prometheus().is_none());
    }
}
