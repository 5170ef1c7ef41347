//! How a request that queued validation wakes a worker. On Lambda the process is frozen after the
//! response, so work cannot be left running in it: the request invokes the `validate` function
//! asynchronously (the job is already committed; the invoke only saves waiting for the schedule).
//! Elsewhere (a container, `make dev`) a worker in the same process is woken. Either way a
//! failure to wake anyone loses nothing: the job stays queued until a sweep takes it.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use podium_runtime::{ConfigError, Vars, outbound};
use sqlx::PgPool;
use tokio::sync::Notify;

use crate::Worker;

#[derive(Debug, Clone)]
pub enum Trigger {
    /// `PODIUM_VALIDATE_FUNCTION` set: an asynchronous invoke of that Lambda function.
    Invoke(Arc<Invoker>),
    /// A worker in this process, woken by each request and sweeping every `sweep`.
    Local(Arc<LocalWorker>),
    /// `PODIUM_VALIDATION_WORKER=off`: nothing here; a `validate` run elsewhere takes the jobs.
    Off,
}

impl Trigger {
    /// `PODIUM_VALIDATE_FUNCTION` (the validate function's name or ARN) → [`Trigger::Invoke`];
    /// else `PODIUM_VALIDATION_WORKER` `off` → [`Trigger::Off`], anything else (default) →
    /// [`Trigger::Local`] sweeping every `PODIUM_VALIDATION_SWEEP_SECONDS` (default 30).
    pub fn from_vars(pool: PgPool, vars: &Vars) -> Result<Self, ConfigError> {
        if let Some(function) = vars.optional("PODIUM_VALIDATE_FUNCTION") {
            return Ok(Self::Invoke(Arc::new(Invoker::from_vars(&function, vars)?)));
        }
        if vars.optional("PODIUM_VALIDATION_WORKER").as_deref() == Some("off") {
            return Ok(Self::Off);
        }
        let sweep = Duration::from_secs(vars.parsed("PODIUM_VALIDATION_SWEEP_SECONDS", 30)?);
        Ok(Self::Local(LocalWorker::new(
            Worker::from_vars(pool, vars)?,
            sweep,
        )))
    }

    /// Wakes a worker; never fails the request (a failure is logged, the job waits for a sweep).
    pub async fn kick(&self) {
        match self {
            Self::Invoke(invoker) => {
                if let Err(err) = invoker.invoke().await {
                    tracing::warn!(error = %err, "could not invoke the validate function; the schedule will take the job");
                }
            }
            Self::Local(worker) => worker.wake(),
            Self::Off => {}
        }
    }
}

/// A worker task in this process: started on first use (or at once inside a runtime), drains the
/// queue when woken, when the next waiting job comes due, and every `sweep`.
#[derive(Debug)]
pub struct LocalWorker {
    worker: Worker,
    sweep: Duration,
    wake: Arc<Notify>,
    started: OnceLock<()>,
}

impl LocalWorker {
    pub fn new(worker: Worker, sweep: Duration) -> Arc<Self> {
        let local = Arc::new(Self {
            worker,
            sweep,
            wake: Arc::new(Notify::new()),
            started: OnceLock::new(),
        });
        if tokio::runtime::Handle::try_current().is_ok() {
            local.start();
        }
        local
    }

    fn start(&self) {
        self.started.get_or_init(|| {
            let (worker, wake, sweep) = (self.worker.clone(), self.wake.clone(), self.sweep);
            tokio::spawn(async move {
                loop {
                    match worker.drain(None).await {
                        Ok(done) if done != crate::worker::Drained::default() => {
                            tracing::info!(?done, "validation jobs done");
                        }
                        Ok(_) => {}
                        Err(err) => tracing::warn!(error = %err, "validation worker"),
                    }
                    // Until woken, the next job comes due (an edit's debounce, a budget that
                    // frees), or the sweep, whichever is first.
                    let pause = match worker.next_due().await {
                        Ok(Some(due)) => due.clamp(Duration::from_millis(50), sweep),
                        _ => sweep,
                    };
                    tokio::select! {
                        () = wake.notified() => {}
                        () = tokio::time::sleep(pause) => {}
                    }
                }
            });
        });
    }

    pub fn wake(&self) {
        self.start();
        self.wake.notify_one();
    }
}

/// An asynchronous (`InvocationType: Event`) invoke of a Lambda function through the Lambda API,
/// signed (SigV4) with the function's own credentials from the environment.
pub struct Invoker {
    url: String,
    region: String,
    access_key: String,
    secret_key: String,
    session_token: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Invoker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invoker")
            .field("url", &self.url)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("signing: {0}")]
    Signing(String),
    #[error("request: {0}")]
    Request(#[from] reqwest::Error),
    #[error("the Lambda API answered {0}")]
    Status(u16),
}

impl Invoker {
    /// `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (what
    /// Lambda gives every function), and `PODIUM_LAMBDA_ENDPOINT` (default the region's API).
    pub fn from_vars(function: &str, vars: &Vars) -> Result<Self, ConfigError> {
        let region = vars.required("AWS_REGION")?;
        let endpoint = vars
            .optional("PODIUM_LAMBDA_ENDPOINT")
            .unwrap_or_else(|| format!("https://lambda.{region}.amazonaws.com"));
        Ok(Self {
            url: format!(
                "{}/2015-03-31/functions/{function}/invocations",
                endpoint.trim_end_matches('/')
            ),
            region,
            access_key: vars.required("AWS_ACCESS_KEY_ID")?,
            secret_key: vars.required("AWS_SECRET_ACCESS_KEY")?,
            session_token: vars.optional("AWS_SESSION_TOKEN"),
            // The invoke is queued by Lambda and answered at once; it must not hold the request.
            http: outbound::client(Duration::from_secs(3))?,
        })
    }

    pub async fn invoke(&self) -> Result<(), InvokeError> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        const BODY: &[u8] = b"{\"source\":\"podium.projects\"}";
        let identity = aws_credential_types::Credentials::new(
            &self.access_key,
            &self.secret_key,
            self.session_token.clone(),
            None,
            "environment",
        )
        .into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("lambda")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| InvokeError::Signing(e.to_string()))?
            .into();
        let headers = [
            ("content-type", "application/json"),
            ("x-amz-invocation-type", "Event"),
        ];
        let signable = SignableRequest::new(
            "POST",
            &self.url,
            headers.iter().copied(),
            SignableBody::Bytes(BODY),
        )
        .map_err(|e| InvokeError::Signing(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| InvokeError::Signing(e.to_string()))?
            .into_parts();
        let mut request = self.http.post(&self.url).body(BODY);
        for (name, value) in headers.into_iter().chain(instructions.headers()) {
            request = request.header(name, value);
        }
        let response = request.send().await?;
        match response.status().as_u16() {
            202 | 200 => Ok(()),
            status => Err(InvokeError::Status(status)),
        }
    }
}
