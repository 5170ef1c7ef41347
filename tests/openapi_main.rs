//! Prints the API's OpenAPI document (`make openapi` writes it to `openapi.json`).

#[allow(clippy::print_stdout)]
fn main() {
    print!("{}", podium_tests::openapi_json());
}
