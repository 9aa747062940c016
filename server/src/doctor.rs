//! `pulseboard doctor`: what an operator should fix before it bites — the
//! database reachable and migrated, the token keys readable, and each
//! platform's API version not within 90 days of the end its platform
//! published (LinkedIn then answers 426, Meta silently answers with
//! another version). The version check also runs at every start, as a log
//! warning. Nothing here writes anything.

use std::fmt;
use std::path::Path;

use backend::platforms::versions;
use chrono::NaiveDate;
use shared::domain::Platform;

use crate::config::{Environment, Settings};
use crate::db;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warning,
    Problem,
}

/// One thing checked and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.level {
            Level::Ok => "ok     ",
            Level::Warning => "warning",
            Level::Problem => "problem",
        };
        write!(f, "{tag}  {}", self.message)
    }
}

fn finding(level: Level, message: impl Into<String>) -> Finding {
    Finding {
        level,
        message: message.into(),
    }
}

/// The configured API versions, each against its platform's published end.
pub fn versions(settings: &Settings, today: NaiveDate) -> Vec<Finding> {
    [Platform::LinkedIn, Platform::Meta]
        .into_iter()
        .filter_map(|platform| {
            let version = settings.platform(platform).api_version.as_deref()?;
            let name = platform.label();
            Some(match versions::warning(platform, version, today) {
                Some(w) if w.contains("no longer served") => finding(Level::Problem, w),
                Some(w) => finding(Level::Warning, w),
                None => match versions::end_of(platform, version) {
                    Some((end, published)) => finding(
                        Level::Ok,
                        format!(
                            "{name} API version {version} is served until {end}{}",
                            if published { "" } else { " (estimated)" }
                        ),
                    ),
                    None => finding(
                        Level::Ok,
                        format!("{name} API version {version}: no end published yet"),
                    ),
                },
            })
        })
        .collect()
}

/// Whether the token keys can be read, without generating any.
fn keys(settings: &Settings) -> Finding {
    let file = Path::new(&settings.token_keys_file);
    if settings.token_keys.is_none() && !file.exists() {
        return match settings.env {
            Environment::Production => finding(
                Level::Problem,
                "PULSEBOARD_TOKEN_KEYS is not set: create one with `pulseboard keys generate`",
            ),
            Environment::Development => finding(
                Level::Ok,
                format!(
                    "no token keys yet: a development key is written to {} on first start",
                    file.display()
                ),
            ),
        };
    }
    match crate::keys::load(settings) {
        Ok(_) => finding(Level::Ok, "token keys readable"),
        Err(e) => finding(Level::Problem, format!("token keys: {e}")),
    }
}

async fn database(settings: &Settings) -> Finding {
    let db = match db::connect(&settings.database_url).await {
        Ok(db) => db,
        Err(e) => return finding(Level::Problem, e.to_string()),
    };
    match db::readiness(&db).await {
        Ok(()) => finding(Level::Ok, "database reachable and migrated"),
        Err(e) if e.contains("pending") => finding(
            Level::Warning,
            format!("database: {e} (applied by `pulseboard migrate` or at start)"),
        ),
        Err(e) => finding(Level::Problem, format!("database: {e}")),
    }
}

/// Every check, in the order they are printed.
pub async fn check(settings: &Settings, today: NaiveDate) -> Vec<Finding> {
    let mut out = vec![database(settings).await, keys(settings)];
    out.extend(versions(settings, today));
    out
}

/// Logs what the version check finds; called at start.
pub fn warn_about_versions(settings: &Settings, today: NaiveDate) {
    for f in versions(settings, today) {
        if f.level > Level::Ok {
            tracing::warn!(check = "api_version", "{}", f.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn with_meta(version: &str) -> Settings {
        let mut s = Settings::default();
        s.meta.api_version = Some(version.into());
        s
    }

    #[test]
    fn the_default_versions_are_fine_today() {
        let found = versions(&Settings::default(), day("2026-12-03"));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|f| f.level == Level::Ok), "{found:?}");
        assert!(found[1].message.contains("v25.0") && found[1].message.contains("2028-07-29"));
    }

    #[test]
    fn a_version_near_its_end_warns_and_one_past_it_is_a_problem() {
        let found = versions(&with_meta("v21.0"), day("2026-12-03"));
        let meta = found.iter().find(|f| f.message.contains("v21.0")).unwrap();
        assert_eq!(meta.level, Level::Warning, "{meta}");
        assert!(meta.message.contains("2027-01-21"), "{meta}");
        let found = versions(&with_meta("v20.0"), day("2026-12-03"));
        let meta = found.iter().find(|f| f.message.contains("v20.0")).unwrap();
        assert_eq!(meta.level, Level::Problem, "{meta}");
    }
}
