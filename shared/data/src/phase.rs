//! An event's phase: what it allows (2026 contract §2.6). The December 2025 flags are views of
//! it: `votable` is the voting phase, `leaderboard_enabled` is the closed phase, or voting with a
//! live leaderboard.

use crate::text_enum::text_enum;

text_enum! {
    pub enum Phase("phase") {
        /// Being prepared.
        Draft = "draft",
        /// Projects are submitted.
        Submission = "submission",
        /// Attendees vote (projects may still be submitted, as in the original).
        Voting = "voting",
        /// Voting is over; the leaderboard is public.
        Closed = "closed",
    }
}

impl Phase {
    /// The phase the December 2025 flags describe (both on: voting, with a live leaderboard).
    pub fn from_flags(votable: bool, leaderboard_enabled: bool) -> (Self, bool) {
        match (votable, leaderboard_enabled) {
            (true, live) => (Self::Voting, live),
            (false, true) => (Self::Closed, false),
            (false, false) => (Self::Submission, false),
        }
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
