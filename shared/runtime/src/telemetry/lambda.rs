//! The end of a Lambda invocation: once the answer has been posted to the Runtime API, and
//! before the next invocation is asked for (after which the process may be frozen for good),
//! write the invocation's EMF metrics and send what Sentry has queued, waiting at most the
//! flush budget. The caller already has its answer, so a slow or unreachable Sentry costs the
//! instance that budget, never the response.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use lambda_runtime::LambdaInvocation;
use tower::{Layer, Service};

use super::report::Flusher;

/// Added last to a `lambda_runtime::Runtime` (so that it is outermost).
#[derive(Clone)]
pub struct FlushLayer {
    sentry: Option<Flusher>,
    metrics: Option<&'static metrics_cloudwatch_embedded::Collector>,
}

impl std::fmt::Debug for FlushLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlushLayer")
            .field("sentry", &self.sentry)
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

impl FlushLayer {
    pub(super) fn new(
        sentry: Option<Flusher>,
        metrics: Option<&'static metrics_cloudwatch_embedded::Collector>,
    ) -> Self {
        Self { sentry, metrics }
    }
}

impl<S> Layer<S> for FlushLayer {
    type Service = FlushService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        FlushService {
            inner,
            layer: self.clone(),
        }
    }
}

/// See [`FlushLayer`].
#[derive(Debug, Clone)]
pub struct FlushService<S> {
    inner: S,
    layer: FlushLayer,
}

impl<S> Service<LambdaInvocation> for FlushService<S>
where
    S: Service<LambdaInvocation>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Flushing<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, invocation: LambdaInvocation) -> Self::Future {
        if let Some(collector) = self.layer.metrics {
            collector.set_property("RequestId", invocation.context.request_id.clone());
        }
        Flushing {
            inner: Some(Box::pin(self.inner.call(invocation))),
            layer: self.layer.clone(),
        }
    }
}

/// The invocation's future, then the flush.
#[allow(missing_debug_implementations)]
pub struct Flushing<F> {
    inner: Option<Pin<Box<F>>>,
    layer: FlushLayer,
}

impl<F: Future> Future for Flushing<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Pending;
        };
        let output = std::task::ready!(inner.as_mut().poll(cx));
        // Dropped first: what it holds (the invocation's spans) closes, and so is queued, before
        // the flush.
        self.inner = None;
        if let Some(collector) = self.layer.metrics {
            super::measure::flush_emf(collector);
        }
        if let Some(sentry) = &self.layer.sentry {
            // Blocks this (single-threaded) runtime for at most the budget: the invocation is
            // over, and nothing else may run before the next one.
            if !sentry.flush() {
                tracing::debug!("Sentry did not take every report within the flush budget");
            }
        }
        Poll::Ready(output)
    }
}
