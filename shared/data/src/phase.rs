//! An event's phase: what it allows (2026 contract §2.6). The December 2025 flags are views of
//! it: `votable` is the voting phase, `leaderboard_enabled` is the closed phase, or voting with a
//! live leaderboard.

use std::fmt;
use std::str::FromStr;

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef, Postgres};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Being prepared.
    Draft,
    /// Projects are submitted.
    Submission,
    /// Attendees vote (projects may still be submitted, as in the original).
    Voting,
    /// Voting is over; the leaderboard is public.
    Closed,
}

impl Phase {
    pub const ALL: [Self; 4] = [Self::Draft, Self::Submission, Self::Voting, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submission => "submission",
            Self::Voting => "voting",
            Self::Closed => "closed",
        }
    }

    /// The phase the December 2025 flags describe (both on: voting, with a live leaderboard).
    pub fn from_flags(votable: bool, leaderboard_enabled: bool) -> (Self, bool) {
        match (votable, leaderboard_enabled) {
            (true, live) => (Self::Voting, live),
            (false, true) => (Self::Closed, false),
            (false, false) => (Self::Submission, false),
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Phase {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|phase| phase.as_str() == s)
            .ok_or_else(|| format!("unknown phase `{s}`"))
    }
}

impl sqlx::Type<Postgres> for Phase {
    fn type_info() -> PgTypeInfo {
        <&str as sqlx::Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <&str as sqlx::Type<Postgres>>::compatible(ty)
    }
}

impl sqlx::Encode<'_, Postgres> for Phase {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <&str as sqlx::Encode<Postgres>>::encode_by_ref(&self.as_str(), buf)
    }
}

impl sqlx::Decode<'_, Postgres> for Phase {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        Ok(<&str as sqlx::Decode<Postgres>>::decode(value)?.parse()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_map_to_phases_as_the_readme_table_says() {
        assert_eq!(Phase::from_flags(true, true), (Phase::Voting, true));
        assert_eq!(Phase::from_flags(true, false), (Phase::Voting, false));
        assert_eq!(Phase::from_flags(false, true), (Phase::Closed, false));
        assert_eq!(Phase::from_flags(false, false), (Phase::Submission, false));
        for phase in Phase::ALL {
            assert_eq!(phase.as_str().parse(), Ok(phase));
        }
        assert!("Voting".parse::<Phase>().is_err());
    }
}
