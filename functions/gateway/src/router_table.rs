//! Reads the router table, `[workspace.metadata.lambda.watch.router]`, out of the workspace's
//! `Cargo.toml` with the `toml` crate: comments, quoting and whitespace are TOML's business,
//! not a line parser's. The build script (`build.rs`) compiles the table into the gateway; the
//! unit tests below run the same function.

/// `(path pattern, function)` for every entry, sorted by path; or why the manifest has none.
pub fn parse(manifest: &str) -> Result<Vec<(String, String)>, String> {
    let doc: toml::Table = manifest.parse().map_err(|e| format!("Cargo.toml: {e}"))?;
    let router = ["workspace", "metadata", "lambda", "watch", "router"]
        .iter()
        .try_fold(&doc, |table, key| table.get(*key)?.as_table())
        .ok_or("Cargo.toml has no [workspace.metadata.lambda.watch.router] table")?;
    router
        .iter()
        .map(|(path, function)| match function.as_str() {
            Some(function) if !function.is_empty() => Ok((path.clone(), function.to_owned())),
            _ => Err(format!(
                "router table entry {path}: the function must be a name, not {} {}",
                if function.is_str() {
                    "an empty"
                } else {
                    "a value of type"
                },
                function.type_str()
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn comments_quoting_and_spacing_do_not_change_the_table() {
        let manifest = r#"
[workspace]
members = []

# the table
[workspace.metadata.lambda.watch.router]
"/users" = "users"   # a trailing comment
'/events/{*rest}'="events"
"/a#b" = "auth" # a hash inside the key is part of it

[workspace.metadata.other]
"/x" = "not-a-route"
"#;
        assert_eq!(
            parse(manifest),
            Ok(vec![
                ("/a#b".to_owned(), "auth".to_owned()),
                ("/events/{*rest}".to_owned(), "events".to_owned()),
                ("/users".to_owned(), "users".to_owned()),
            ])
        );
    }

    #[test]
    fn a_manifest_without_the_table_or_with_a_non_name_is_refused_with_the_reason() {
        assert_eq!(
            parse("[workspace]\n"),
            Err("Cargo.toml has no [workspace.metadata.lambda.watch.router] table".to_owned())
        );
        assert_eq!(
            parse("[workspace.metadata.lambda.watch.router]\n\"/x\" = 1\n"),
            Err(
                "router table entry /x: the function must be a name, not a value of type integer"
                    .to_owned()
            )
        );
        assert!(parse("[workspace.metadata.lambda.watch.router]\n\"/x\" = \n").is_err());
    }
}
