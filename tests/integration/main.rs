//! Workspace-level integration tests. Every test gets a fresh database on the PostgreSQL server
//! named by `DATABASE_URL` (`make test` starts a throwaway one when it is unset).

#![allow(
    clippy::disallowed_types,
    reason = "the fakes of outside services (Turnstile, GitHub, Hack Club, the mail API) are axum apps of their own, outside our contract"
)]

mod admin;
mod auth;
mod concurrency;
mod console;
mod console_pty;
mod contract;
mod cutover;
mod deploy;
mod e2e;
mod events;
mod helpers;
mod hostile;
mod input;
mod migrations;
mod openapi;
mod projects;
mod rehearsal;
mod replica;
mod results;
mod routing;
mod signin;
mod stack;
mod statements;
mod superadmin;
mod telemetry;
mod users;
mod validation;
mod votes;
