//! The API's OpenAPI document, assembled from every route-group function's part (written to
//! `openapi.json` by `make openapi`; a test fails when the committed file is stale). The
//! workspace-level integration tests live in `integration/`.

use podium_http::openapi::Common;
use utoipa::Modify;
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder};

pub fn openapi_document() -> OpenApi {
    let mut api = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Podium API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Peer judging for hackathons. Business errors answer `{\"detail\": \"text\"}`; validation \
                     errors answer 422 with a list of `{type, loc, msg}`. Every success is HTTP 200.",
                ))
                .build(),
        )
        .build();
    for part in [
        auth::openapi(),
        users::openapi(),
        events::openapi(),
        admin::openapi(),
        projects::openapi(),
        superadmin::openapi(),
    ] {
        api.merge(part);
    }
    Common.modify(&mut api);
    api
}

/// The document as committed: pretty JSON with a trailing newline.
pub fn openapi_json() -> String {
    let mut text = api_to_string(&openapi_document());
    text.push('\n');
    text
}

fn api_to_string(api: &OpenApi) -> String {
    serde_json::to_string_pretty(api).unwrap_or_default()
}
