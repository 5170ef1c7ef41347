//! Settings read once, at start: the environment, overlaid with a Secrets Manager secret.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(String),
    #[error("{name} is not a valid setting: {reason}")]
    Invalid { name: String, reason: String },
}

/// The settings a process reads once, at start: its environment, overlaid (when
/// `PODIUM_SECRETS_ARN` is set) with the JSON object stored in that AWS Secrets Manager secret.
///
/// The secret's keys are the variables' names (`PODIUM_JWT_SECRET`, `PODIUM_DATABASE_URL`, …);
/// the original service's lower-case names without the prefix (`jwt_secret`) are accepted too.
/// A value from the secret wins over the same variable in the environment, so a rotated secret is
/// never shadowed by a stale variable. `Debug` lists names only, never values.
#[derive(Clone, Default)]
pub struct Vars {
    values: BTreeMap<String, String>,
    from_secret: Vec<String>,
}

/// The environment's name (`production`, `staging`, `development`, …).
pub const ENV_VAR: &str = "PODIUM_ENV";

/// The variable naming the Secrets Manager secret to overlay.
pub const SECRETS_ARN_VAR: &str = "PODIUM_SECRETS_ARN";

impl Vars {
    /// The process environment only.
    pub fn from_env() -> Self {
        Self {
            values: std::env::vars().collect(),
            from_secret: Vec::new(),
        }
    }

    /// The process environment, plus the secret named by `PODIUM_SECRETS_ARN` when it is set
    /// (fetched once; call this once per cold start).
    pub async fn load() -> Result<Self, ConfigError> {
        let mut vars = Self::from_env();
        if let Some(arn) = vars.optional(SECRETS_ARN_VAR) {
            let secret = crate::secrets::fetch(&arn)
                .await
                .map_err(|e| ConfigError::Invalid {
                    name: SECRETS_ARN_VAR.to_owned(),
                    reason: e.to_string(),
                })?;
            vars.overlay_json(&secret)
                .map_err(|reason| ConfigError::Invalid {
                    name: SECRETS_ARN_VAR.to_owned(),
                    reason,
                })?;
            tracing::info!(keys = ?vars.from_secret, "settings read from Secrets Manager");
        }
        Ok(vars)
    }

    /// Settings given explicitly (tests, tools).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            from_secret: Vec::new(),
        }
    }

    /// Overlays a secret's JSON object (string, number or boolean values) on these settings.
    pub fn overlay_json(&mut self, json: &str) -> Result<(), String> {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json)
            .map_err(|_| "the secret is not a JSON object of settings".to_owned())?;
        for (key, value) in object {
            let value = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Null => continue,
                _ => return Err(format!("the secret's value for `{key}` is not a scalar")),
            };
            let name = Self::variable_name(&key);
            self.from_secret.push(name.clone());
            self.values.insert(name, value);
        }
        Ok(())
    }

    /// `jwt_secret` → `PODIUM_JWT_SECRET`; names already in upper case are kept.
    fn variable_name(key: &str) -> String {
        if key.chars().any(|c| c.is_ascii_lowercase()) {
            format!("PODIUM_{}", key.to_ascii_uppercase())
        } else {
            key.to_owned()
        }
    }

    /// A required setting.
    pub fn required(&self, name: &str) -> Result<String, ConfigError> {
        self.optional(name)
            .ok_or_else(|| ConfigError::Missing(name.to_owned()))
    }

    /// An optional setting (unset or empty: `None`).
    pub fn optional(&self, name: &str) -> Option<String> {
        self.values
            .get(name)
            .filter(|v| !v.trim().is_empty())
            .cloned()
    }

    /// Whether `PODIUM_ENV` names production, which turns the production guards on (no test
    /// endpoints, the CDN secret and Turnstile required). `production` in any case and with any
    /// surrounding space is production; unset means development; any other value must be an
    /// environment name as the deployment template makes them (`^[a-z][a-z0-9-]{1,20}$`, such as
    /// `staging`); anything else, and the near-misses `prod`, `prd` and `live`, is refused, so a
    /// typo never starts a production function with its guards off.
    pub fn is_production(&self) -> Result<bool, ConfigError> {
        let Some(value) = self.optional(ENV_VAR) else {
            return Ok(false);
        };
        let trimmed = value.trim();
        let lower = trimmed.to_ascii_lowercase();
        if lower == "production" {
            return Ok(true);
        }
        let named = trimmed.len() >= 2
            && trimmed.len() <= 21
            && trimmed.starts_with(|c: char| c.is_ascii_lowercase())
            && trimmed
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !named || ["prod", "prd", "live"].contains(&lower.as_str()) {
            return Err(ConfigError::Invalid {
                name: ENV_VAR.to_owned(),
                reason: format!(
                    "`{value}` is not an environment this backend knows: `production`, or a lower-case name such as `development` or `staging`"
                ),
            });
        }
        Ok(false)
    }

    /// The values of every setting that is a secret (its name has `SECRET`, `TOKEN`,
    /// `PASSWORD`, `_KEY` or `DSN` in it) and the password inside a database URL, for the
    /// telemetry scrubber: none of them may leave the process in an error report.
    pub fn secret_values(&self) -> Vec<String> {
        const MARKS: [&str; 5] = ["SECRET", "TOKEN", "PASSWORD", "_KEY", "DSN"];
        let mut values = Vec::new();
        for (name, value) in &self.values {
            let upper = name.to_ascii_uppercase();
            if !upper.starts_with("PODIUM_") && !upper.starts_with("DATABASE_URL") {
                continue;
            }
            if upper.ends_with("SECRETS_ARN") {
                continue;
            }
            if MARKS.iter().any(|mark| upper.contains(mark)) {
                values.push(value.trim().to_owned());
            }
            if upper.contains("DATABASE_URL")
                && let Ok(url) = url::Url::parse(value.trim())
                && let Some(password) = url.password()
            {
                values.push(password.to_owned());
            }
        }
        // Short values would blank out ordinary words.
        values.retain(|v| v.len() >= 6);
        values.sort();
        values.dedup();
        values
    }

    /// A setting parsed from text, `default` when unset.
    pub fn parsed<T: FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(value) => value.trim().parse().map_err(|_| ConfigError::Invalid {
                name: name.to_owned(),
                reason: format!("`{value}` is not a valid value"),
            }),
        }
    }
}

impl fmt::Debug for Vars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vars")
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .field("from_secret", &self.from_secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podium_env_is_production_in_any_case_and_unknown_values_are_refused() {
        let env =
            |v: &str| Vars::from_pairs(vec![(ENV_VAR.to_owned(), v.to_owned())]).is_production();
        assert_eq!(Vars::default().is_production().ok(), Some(false));
        for production in ["production", "Production", " PRODUCTION "] {
            assert_eq!(env(production).ok(), Some(true), "{production}");
        }
        for other in ["development", "staging", "qa-1", "test"] {
            assert_eq!(env(other).ok(), Some(false), "{other}");
        }
        for refused in ["prod", "Prod", "live", "Staging", "pro duction", "x"] {
            assert!(env(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn a_secret_overlays_the_environment_under_either_spelling_and_debug_shows_no_value() {
        let mut vars = Vars::from_pairs([
            ("PODIUM_JWT_SECRET", "stale"),
            ("PODIUM_PRODUCTION_URL", "https://podium.example"),
        ]);
        vars.overlay_json(
            r#"{"jwt_secret": "fresh", "PODIUM_DATABASE_URL": "postgres://u:pw@h/db", "PODIUM_JWT_EXPIRE_MINUTES": 60, "unused": null}"#,
        )
        .expect("overlay");
        assert_eq!(vars.required("PODIUM_JWT_SECRET"), Ok("fresh".to_owned()));
        assert_eq!(vars.parsed("PODIUM_JWT_EXPIRE_MINUTES", 0), Ok(60));
        assert_eq!(
            vars.optional("PODIUM_PRODUCTION_URL").as_deref(),
            Some("https://podium.example")
        );
        assert_eq!(
            vars.optional("PODIUM_DATABASE_URL").as_deref(),
            Some("postgres://u:pw@h/db")
        );
        let shown = format!("{vars:?}");
        assert!(
            !shown.contains("fresh") && !shown.contains("pw@"),
            "{shown}"
        );
    }

    #[test]
    fn a_secret_that_is_not_a_json_object_of_scalars_is_refused_without_echoing_it() {
        let mut vars = Vars::default();
        assert_eq!(
            vars.overlay_json("hunter2"),
            Err("the secret is not a JSON object of settings".to_owned())
        );
        assert_eq!(
            vars.overlay_json(r#"{"PODIUM_JWT_SECRET": {"nested": "hunter2"}}"#),
            Err("the secret's value for `PODIUM_JWT_SECRET` is not a scalar".to_owned())
        );
        assert_eq!(
            vars.required("PODIUM_JWT_SECRET"),
            Err(ConfigError::Missing("PODIUM_JWT_SECRET".to_owned()))
        );
    }
}
