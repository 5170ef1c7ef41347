//! Every text a client may read in a `detail` or `message`, defined once. The contract fixes
//! them (section 7.4 and each route's section), so they are spelled out nowhere else.

// Authentication and access (contract section 0).
pub const NOT_AUTHENTICATED: &str = "Not authenticated";
pub const BAD_AUTH: &str = "Invalid authentication credentials";
pub const BAD_JWT: &str = "Bad JWT";
pub const BAD_ACCESS: &str = "You don't have permission to do this";
pub const INVALID_TOKEN: &str = "Invalid token";
pub const TOO_MANY_LOGIN_REQUESTS: &str = "Too many login requests, try again later";
pub const MAIL_FAILED: &str = "Failed to send auth email";

// Sign-in checks (2026 contract §2.3, §3.2, §3.3).
pub const DISPOSABLE_EMAIL: &str =
    "Temporary/disposable email addresses aren't allowed — please use your real email";
pub const TURNSTILE_REQUIRED: &str =
    "Security check required — please complete the CAPTCHA and try again";
pub const TURNSTILE_UNAVAILABLE: &str =
    "Security check is temporarily unavailable — please try again in a moment";
pub const TURNSTILE_FAILED: &str = "Security check failed — please refresh the page and try again";
pub const TOO_MANY_FROM_NETWORK: &str = "Too many requests from your network, try again later";
pub const TOO_MANY_JOIN_CODES: &str = "Too many wrong join codes, try again later";
pub const HACKCLUB_NOT_CONFIGURED: &str = "Hack Club auth is not configured";
pub const INVALID_OAUTH_STATE: &str = "Invalid OAuth state";
pub const HACKCLUB_FAILED: &str = "Failed to authenticate with Hack Club";
pub const HACKCLUB_NO_EMAIL: &str = "No email returned from Hack Club";
pub const HACKCLUB_BAD_EMAIL: &str = "Hack Club returned an email address that is not valid";
pub const HACKCLUB_BAD_NAME: &str = "Hack Club returned a name that is not valid";
pub const HACKCLUB_NAME_TOO_LONG: &str =
    "The name Hack Club returned is too long (at most 50 characters for first and last name)";

// Not found.
pub const NOT_FOUND: &str = "Not Found";
pub const USER_NOT_FOUND: &str = "User not found";
pub const EVENT_NOT_FOUND: &str = "Event not found";
pub const PROJECT_NOT_FOUND: &str = "Project not found";
pub const NO_PROJECT_FOUND: &str = "No project found";

// Refusals.
pub const USER_EXISTS: &str = "User already exists";
pub const NO_FIELDS_TO_UPDATE: &str = "No fields to update";
pub const EVENT_SLUG_TAKEN: &str = "Event slug already exists";
pub const ALREADY_ATTENDING: &str = "User already attending event";
pub const ALREADY_ATTENDING_EVENT: &str = "Already attending this event";
pub const NO_ACTIVE_SERIES: &str = "No active event series configured";
pub const VOTING_CLOSED: &str = "Voting is not open for this event";
pub const NOT_ATTENDING_EVENT: &str = "Owner not part of event";
pub const OWN_PROJECT: &str = "User cannot vote for their own project";
pub const NO_VOTES_REMAINING: &str = "You have no votes remaining.";
pub const ALREADY_VOTED: &str = "User has already voted for this project";
pub const NOT_IN_EVENT: &str = "Project is not in the event";
pub const LEADERBOARD_DISABLED: &str = "Leaderboard is not enabled";
pub const ALREADY_MEMBER: &str = "User is already a collaborator or owner";
pub const DEMO_REQUIRED: &str = "Demo URL is required for this event";
pub const YSWS_PII_REQUIRED: &str = "This event requires your address and date of birth on your profile before you can submit a project";
pub const CHECKS_NOT_CONFIGURED: &str = "Project checks are not configured";
pub const CHECK_SERVICE_FAILED: &str = "The project check service failed";
pub const EVENT_ALREADY_DELETED: &str = "Event is already deleted";
pub const EVENT_NOT_DELETED: &str = "Event is not deleted";
pub const EXPORT_NEEDS_SCOPE: &str = "Provide either event_id or series";
pub const EXPORT_ONE_SCOPE: &str = "Provide either event_id or series, not both";
pub const VALIDATE_RATE_LIMITED: &str = "Rate limit exceeded: 10 per 1 minute";
pub const CACHED_CHECK: &str = "Cached results should be returned immediately";

// Failures that are not the client's.
pub const BODY_TOO_LARGE: &str = "Request body too large";
pub const DATABASE_UNAVAILABLE: &str = "The database is unavailable, try again shortly";
pub const INTERNAL_ERROR: &str = "Internal server error";

/// A test endpoint while they are off.
pub const TEST_ENDPOINTS_OFF: &str = "Not found";

// Confirmations (`{"message": …}`).
pub const TEST_DATA_CLEANED: &str = "Test data cleaned up";
pub const PROMOTED: &str = "Promoted to superadmin";
pub const JOINED_EVENT: &str = "Successfully joined event";
pub const JOINED_PROJECT: &str = "Successfully joined project";
pub const EVENT_UPDATED: &str = "Event updated";
pub const EVENT_DELETED: &str = "Event deleted";
pub const VOTES_RECORDED: &str = "Votes recorded";
pub const PROJECT_DELETED: &str = "Project deleted";
pub const ATTENDEE_REMOVED: &str = "Attendee removed";
pub const EVENT_SOFT_DELETED: &str = "Event soft-deleted";
pub const VALIDATION_QUEUED: &str = "Validation queued";

/// `User '<email>' not found` (the owner e-mail as sent).
pub fn owner_not_found(email: &str) -> String {
    format!("User '{email}' not found")
}

/// `No active events found with series '<series>'`.
pub fn no_series_events(series: &str) -> String {
    format!("No active events found with series '{series}'")
}

/// `Event is not part of the active series (expected 'series' in ['a', 'b'])`, with Python's
/// `repr` of the strings, as the original formats it.
pub fn not_in_series(series: &str, flags: &[&str]) -> String {
    let flags: Vec<String> = flags.iter().map(|f| python_repr(f)).collect();
    format!(
        "Event is not part of the active series (expected {} in [{}])",
        python_repr(series),
        flags.join(", ")
    )
}

/// Python's `repr` of a string: single quotes unless it holds one and no double quote.
fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `Cannot vote for {n} projects. You have {m} vote(s) remaining.`
pub fn over_vote_limit(requested: usize, remaining: i64) -> String {
    format!("Cannot vote for {requested} projects. You have {remaining} vote(s) remaining.")
}
