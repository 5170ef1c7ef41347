//! Layers around every function's routes: request id and span, CORS (configured here only),
//! trailing-slash tolerance, and JSON answers for unknown routes and methods.

use axum::Router;
use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
    VARY,
};
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::ApiError;

const REQUEST_ID: &str = "x-request-id";

/// Wraps a function's routes with the layers every function shares.
pub fn finish(routes: Router) -> Router {
    let routes = routes
        .fallback(async || ApiError::not_found(crate::texts::NOT_FOUND))
        .method_not_allowed_fallback(async || {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        });
    Router::new()
        .route(podium_runtime::health::PATH, axum::routing::get(healthz))
        .fallback_service(routes)
        .layer(middleware::from_fn(trim_trailing_slash))
        .layer(middleware::from_fn(cors))
        .layer(middleware::from_fn(request_span))
}

/// `GET /healthz` for container health checks (`podium health`): answers as soon as the process
/// serves, touching no database, so that a database outage does not get every container
/// restarted. Not part of the contract (no OpenAPI operation); the CDN sends it to `auth`.
async fn healthz() -> Response {
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({"status": "ok"})),
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

/// Every request runs in a span carrying its id: the Lambda request id when on Lambda, else the
/// caller's `x-request-id`, else a new one. The id is echoed in `x-request-id`.
async fn request_span(req: Request, next: Next) -> Response {
    let id = request_id(&req);
    let health_check = req.uri().path() == podium_runtime::health::PATH;
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    async move {
        let mut response = next.run(req).await;
        let status = response.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), "request failed");
        } else if health_check {
            // Every few seconds in a container: kept out of the info log.
            tracing::debug!(status = status.as_u16(), "request done");
        } else {
            tracing::info!(status = status.as_u16(), "request done");
        }
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        response
    }
    .instrument(span)
    .await
}

fn request_id(req: &Request) -> String {
    if let Some(context) = req.extensions().get::<lambda_http::Context>() {
        return context.request_id.clone();
    }
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}
