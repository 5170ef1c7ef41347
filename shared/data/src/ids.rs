//! Typed ids: a `UserId` cannot be passed where an `EventId` is expected. Each is a UUID,
//! transparent to serde (a JSON string) and to sqlx (a `uuid` column, and `uuid[]` for a list).

use std::fmt;

use uuid::Uuid;

macro_rules! decl_id {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random (v4) id.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

decl_id!(
    /// `users.id`
    UserId
);
decl_id!(
    /// `events.id`
    EventId
);
decl_id!(
    /// `projects.id`
    ProjectId
);
decl_id!(
    /// `votes.id`
    VoteId
);
