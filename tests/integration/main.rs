//! Workspace-level integration tests. Every test gets a fresh database on the PostgreSQL server
//! named by `DATABASE_URL` (`make test` starts a throwaway one when it is unset).

mod auth;
mod e2e;
mod http;
mod migrations;
mod openapi;
mod support;
mod users;
