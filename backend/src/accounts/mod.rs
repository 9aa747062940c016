//! People and their businesses: users, passwords, sessions, memberships and
//! roles, and the limits that keep sign-in and sign-up abuse in check.

pub mod businesses;
pub mod client_addr;
pub mod limits;
pub mod passwords;
pub mod sessions;
pub mod users;
