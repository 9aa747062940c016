//! What the stored analytics say: a business's metric series over a range
//! of days (by day or by week) and its top posts. Reads only; the sync
//! writes. Each answer costs two queries — the business's accounts, then
//! their rows in the range — whatever the number of accounts.

pub mod metrics;
pub mod posts;
pub mod range;
pub mod series;

pub use range::Range;
