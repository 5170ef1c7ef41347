//! Which validator checks an event's projects (2026 contract §2.6): one for the repository
//! link, one for the demo link. Stored as text under the named CHECKs
//! `events_repo_validation_check` and `events_demo_validation_check`.

use crate::text_enum::text_enum;

text_enum! {
    /// `events.repo_validation`.
    pub enum RepoValidation("repo_validation") {
        /// No check.
        None = "none",
        /// Checked with GitHub's API (the default for new events).
        Github = "github",
        /// The event's `custom_validator` decides.
        Custom = "custom",
    }
}

text_enum! {
    /// `events.demo_validation`.
    pub enum DemoValidation("demo_validation") {
        /// No check (the default for new events).
        None = "none",
        /// Checked on itch.io.
        Itch = "itch",
        /// The event's `custom_validator` decides.
        Custom = "custom",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_its_value_and_nothing_else_parses() {
        for kind in RepoValidation::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        for kind in DemoValidation::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        assert_eq!(
            "itch".parse::<RepoValidation>().map_err(|e| e.to_string()),
            Err("unknown repo_validation `itch`".to_owned())
        );
        assert!("GitHub".parse::<RepoValidation>().is_err());
    }
}
