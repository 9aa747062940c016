//! The one error type the backend returns.
//!
//! It says what went wrong in domain terms and leaves the wire to its
//! callers: server functions convert it into `Error`, REST handlers into
//! their JSON error, each with `From`. An `Internal` error carries its detail
//! for the log; the boundary logs it under a reference and shows the user
//! only the reference.

use shared::domain::Invalid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("not signed in")]
    Unauthorized,
    /// Also what a non-member gets for someone else's business: existence is not revealed.
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    /// Deliberately one variant for an unknown email and a wrong password.
    #[error("bad credentials")]
    BadCredentials,
    #[error("rate limited for {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// A platform refused or failed a call; `class` is the stable, loggable
    /// kind of failure (never a token or a platform's free text).
    #[error("provider error ({class})")]
    Provider { class: &'static str },
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(field: &str, why: Invalid) -> Self {
        Error::Invalid {
            field: field.to_owned(),
            message: why.0.to_owned(),
        }
    }

    /// An unexpected failure; the detail is logged by the boundary, never shown.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        Error::Internal(err.to_string())
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        Error::internal(err)
    }
}

impl From<sea_orm::TransactionError<Error>> for Error {
    fn from(err: sea_orm::TransactionError<Error>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
