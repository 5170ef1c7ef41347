//! Layers around every function's routes: the request's id, span, log line, metrics and Sentry
//! hub and transaction; CORS (configured here only); trailing-slash tolerance; and JSON answers
//! for unknown routes and methods.
//!
//! Outermost first: a Sentry hub per request (sentry-tower's `SentryLayer`), the request's
//! Sentry transaction (`SentryHttpLayer`), then [`request_span`] (id, span, the viewer as
//! Sentry's user, and — once answered — the log line, inside the transaction, and metrics),
//! CORS, the trailing slash, and after routing, per route, [`route_matched`], which records the
//! template on the span, the scope (naming the transaction `GET /events/{event_id}`) and the
//! response. A request that matched no route is named `METHOD unmatched`, never by its path.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{FromRef, MatchedPath, Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
    VARY,
};
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use podium_runtime::edge::{REQUEST_ID_HEADER, request_id_or_new};
use podium_runtime::telemetry::{REQUEST_SPAN, measure};
use tracing::Instrument;

use crate::client::{self, CdnSecret};
use crate::error::Failure;
use crate::{ApiError, AppState};

/// What a request matched: the route's template (`/events/{event_id}`), or [`UNMATCHED`].
#[derive(Debug, Clone)]
pub struct RouteTemplate(pub String);

/// The route of a request that matched none (a 404 or a preflight answered before routing).
pub const UNMATCHED: &str = "unmatched";

/// Wraps a function's routes (with their state) in the layers every function shares.
pub fn finish<S>(routes: Router<S>, state: S) -> Router
where
    S: Clone + Send + Sync + 'static,
    AppState: FromRef<S>,
{
    let config = AppState::from_ref(&state).config;
    let cdn_secret = config.cdn_secret.clone();
    let routes = if config.enable_test_endpoints {
        routes.route(PANIC_PATH, axum::routing::get(panics))
    } else {
        routes
    };
    let routes = routes
        .fallback(async || ApiError::not_found(crate::texts::NOT_FOUND))
        .method_not_allowed_fallback(async || {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        })
        .layer(middleware::from_fn(route_matched))
        .with_state(state);
    Router::new()
        .route(podium_runtime::health::PATH, axum::routing::get(healthz))
        .fallback_service(routes)
        .layer(middleware::from_fn(trim_trailing_slash))
        .layer(middleware::from_fn(cors))
        .layer(middleware::from_fn_with_state(cdn_secret, request_span))
        .layer(sentry::integrations::tower::SentryHttpLayer::new().enable_transaction())
        // A hub per request, made from the main hub's scope (never a worker thread's, which
        // may hold what background work logged there).
        .layer(
            sentry::integrations::tower::SentryLayer::<_, _, Request>::new(|_: &Request| {
                Arc::new(sentry::Hub::new_from_top(sentry::Hub::main()))
            }),
        )
}

/// With the test endpoints on (never in production), `GET /__test/panic` panics in its handler:
/// how the tests see a panic reach Sentry. Not part of the contract (no OpenAPI operation).
pub const PANIC_PATH: &str = "/__test/panic";

async fn panics() -> Response {
    panic!("a handler panicked on purpose ({PANIC_PATH})");
}

/// `GET /healthz` for container health checks (`podium health`): answers as soon as the process
/// serves, touching no database, so that a database outage does not get every container
/// restarted. Not part of the contract (no OpenAPI operation); the CDN sends it to `auth`.
async fn healthz() -> Response {
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        crate::Json(serde_json::json!({"status": "ok"})),
    )
        .into_response()
}

/// `/users/` and `/users` reach the same route (contract 7.12: no redirects).
async fn trim_trailing_slash(mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let path_and_query = match req.uri().query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_owned(),
        };
        let mut parts = req.uri().clone().into_parts();
        parts.path_and_query = path_and_query.parse().ok();
        if let Ok(uri) = Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    next.run(req).await
}

/// CORS: every origin may call the API, without credentials. The API authenticates with Bearer
/// tokens, never cookies, so nothing needs `allow-credentials`; the original (Starlette with
/// `allow_credentials=True`) reflected the caller's origin with credentials allowed whenever a
/// cookie came along, which let any site read answers to requests carrying this origin's
/// cookies. Preflights are answered here with the requested headers echoed.
async fn cors(req: Request, next: Next) -> Response {
    if !req.headers().contains_key(ORIGIN) {
        return next.run(req).await;
    }
    if req.method() == Method::OPTIONS && req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut response = (StatusCode::OK, "OK").into_response();
        let headers = response.headers_mut();
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"),
        );
        if let Some(requested) = req.headers().get(ACCESS_CONTROL_REQUEST_HEADERS) {
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
            headers.insert(
                VARY,
                HeaderValue::from_static("Access-Control-Request-Headers"),
            );
        }
        return response;
    }
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// After routing: the route's template on the request's span and Sentry scope (which names the
/// transaction `GET /events/{event_id}`, never the raw path), and on the response for the log
/// line.
async fn route_matched(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    tracing::Span::current().record("route", route.as_str());
    let name = format!("{} {route}", req.method());
    sentry::configure_scope(|scope| {
        scope.set_tag("route", &route);
        scope.set_transaction(Some(&name));
    });
    let mut response = next.run(req).await;
    response.extensions_mut().insert(RouteTemplate(route));
    response
}

/// Every request runs in a span carrying its id: the Lambda request id when on Lambda, else the
/// caller's `x-request-id` when it is well formed, else a new one. The id is echoed in
/// `x-request-id` and tags the request's Sentry events; the viewer's address is Sentry's user
/// until a token names one (`CurrentUser`). Once answered, one log line names the route
/// template, status and latency — at `error` with the whole cause chain for a 5xx, which also
/// reports it to Sentry — and the request is counted in the metrics.
async fn request_span(
    State(cdn_secret): State<Option<CdnSecret>>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request_id(&req);
    let health_check = req.uri().path() == podium_runtime::health::PATH;
    let method = req.method().clone();
    let span = tracing::info_span!(
        REQUEST_SPAN,
        request_id = %id,
        method = %method,
        route = tracing::field::Empty,
    );
    let viewer = client::viewer_address(req.headers(), req.extensions(), cdn_secret.as_ref());
    sentry::configure_scope(|scope| {
        scope.set_tag("request_id", &id);
        scope.set_user(viewer.map(|ip| sentry::User {
            ip_address: Some(ip.into()),
            ..sentry::User::default()
        }));
    });
    let mut response = next.run(req).instrument(span.clone()).await;
    let status = response.status();
    let route = response
        .extensions()
        .get::<RouteTemplate>()
        .map_or(UNMATCHED, |r| r.0.as_str())
        .to_owned();
    if response.extensions().get::<RouteTemplate>().is_none() {
        // Answered before routing (a preflight) or by the health check: never the raw path.
        let name = format!("{method} {UNMATCHED}");
        sentry::configure_scope(|scope| scope.set_transaction(Some(&name)));
    }
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let code = status.as_u16();
    if status.is_server_error() {
        match response.extensions().get::<Failure>() {
            Some(failure) => {
                let error: &(dyn std::error::Error + 'static) = &*failure.0;
                tracing::error!(
                    parent: &span,
                    status = code,
                    route,
                    latency_ms,
                    error,
                    causes = %CauseChain(error),
                    "request failed"
                );
            }
            None => {
                tracing::error!(parent: &span, status = code, route, latency_ms, "request failed")
            }
        }
    } else if health_check {
        // Every few seconds in a container: kept out of the info log and the metrics.
        tracing::debug!(parent: &span, status = code, latency_ms, "request done");
    } else {
        tracing::info!(parent: &span, status = code, route, latency_ms, "request done");
    }
    if !health_check {
        metrics::counter!(
            measure::REQUESTS,
            "route" => route.clone(),
            "status" => measure::status_class(code),
        )
        .increment(1);
        metrics::histogram!(measure::REQUEST_DURATION, "route" => route)
            .record(latency_ms / 1000.0);
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// An error and its sources, `outer: inner: innermost`.
struct CauseChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for CauseChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

fn request_id(req: &Request) -> String {
    if let Some(context) = req.extensions().get::<lambda_http::Context>() {
        return context.request_id.clone();
    }
    request_id_or_new(
        req.headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok()),
    )
}
