//! Scheduled syncs. A business syncs every `sync_interval_minutes` (slots
//! aligned to whole intervals since midnight in its time zone), or daily at
//! `sync_daily_at_minute` local time; `next_sync_at` always holds its next
//! slot. Each tick turns every due slot into one run — the unique
//! `(business, slot)` key makes ticks from N nodes harmless — and moves
//! `next_sync_at` past now, so downtime over several slots gives one
//! catch-up run, not a burst.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::runs;
use crate::entities::{businesses, connections};
use crate::error::Error;
use shared::domain::SyncTrigger;

/// A business's schedule, as its row stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub interval_minutes: i32,
    pub daily_at_minute: Option<i32>,
    pub zone: Tz,
}

impl Schedule {
    pub fn of(b: &businesses::Model) -> Self {
        Schedule {
            interval_minutes: b.sync_interval_minutes,
            daily_at_minute: b.sync_daily_at_minute,
            zone: b.timezone.parse().unwrap_or(Tz::UTC),
        }
    }

    /// The first slot strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> DateTime<Utc> {
        let local_day = after.with_timezone(&self.zone).date_naive();
        // Yesterday's slots too: a slot late on the local day before can
        // still be ahead of `after` in UTC around DST changes.
        (-1..=2)
            .flat_map(|d| self.slots_on(local_day + Duration::days(d)))
            .filter(|slot| *slot > after)
            .min()
            .expect("every day has a slot")
    }

    /// The slots of one local day, in UTC.
    fn slots_on(&self, day: NaiveDate) -> Vec<DateTime<Utc>> {
        let minutes: Vec<i32> = match self.daily_at_minute {
            Some(m) => vec![m.clamp(0, 24 * 60 - 1)],
            None => {
                let step = self.interval_minutes.clamp(15, 24 * 60);
                (0..24 * 60).step_by(step as usize).collect()
            }
        };
        minutes
            .into_iter()
            .filter_map(|m| {
                let time = NaiveTime::from_hms_opt((m / 60) as u32, (m % 60) as u32, 0)?;
                Some(local_to_utc(self.zone, day.and_time(time)))
            })
            .collect()
    }
}

/// A local time in UTC. In the hour a DST change skips, the time one hour
/// later (what a wall clock shows then); in the repeated hour, the first.
fn local_to_utc(zone: Tz, local: chrono::NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => zone
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| local.and_utc()),
    }
}

/// The intervals a person may choose, in minutes: hourly to daily.
pub const INTERVALS: [i32; 8] = [60, 120, 180, 240, 360, 480, 720, 1440];

/// How often a business syncs, as chosen in settings or the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Every N minutes (one of [`INTERVALS`]), from local midnight.
    Every(i32),
    /// Once a day at this minute of the local day.
    DailyAt(i32),
}

impl Cadence {
    /// Exactly one of `every` (minutes, one of [`INTERVALS`]) and
    /// `daily_at` (`HH:MM`), or an error naming the field.
    pub fn parse(every: Option<i32>, daily_at: Option<&str>) -> Result<Cadence, Error> {
        let invalid = |field: &str, message: &str| Error::Invalid {
            field: field.to_owned(),
            message: message.to_owned(),
        };
        match (every, daily_at.map(str::trim).filter(|s| !s.is_empty())) {
            (Some(_), Some(_)) => Err(invalid(
                "daily_at",
                "Choose an interval or a daily time, not both.",
            )),
            (Some(m), None) if INTERVALS.contains(&m) => Ok(Cadence::Every(m)),
            (Some(_), None) => Err(invalid(
                "every_minutes",
                "Choose every 1, 2, 3, 4, 6, 8 or 12 hours, or daily.",
            )),
            (None, Some(t)) => NaiveTime::parse_from_str(t, "%H:%M")
                .map(|t| Cadence::DailyAt((t.hour() * 60 + t.minute()) as i32))
                .map_err(|_| invalid("daily_at", "Give the time as HH:MM, like 07:30.")),
            (None, None) => Err(invalid(
                "every_minutes",
                "Choose how often to sync: an interval or a daily time.",
            )),
        }
    }
}

/// Sets a business's cadence and whether it is paused. The next slot is
/// counted from `now`, so resuming does not catch up on the paused slots,
/// and a new cadence takes effect at its own next slot.
pub async fn set(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    cadence: Cadence,
    paused: bool,
    now: DateTime<Utc>,
) -> Result<businesses::Model, Error> {
    let mut b = businesses::Entity::find_by_id(business_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    match cadence {
        Cadence::Every(m) => {
            b.sync_interval_minutes = m;
            b.sync_daily_at_minute = None;
        }
        Cadence::DailyAt(m) => b.sync_daily_at_minute = Some(m),
    }
    b.sync_paused = paused;
    b.next_sync_at = Some(Schedule::of(&b).next_after(now));
    businesses::Entity::update_many()
        .col_expr(
            businesses::Column::SyncIntervalMinutes,
            Expr::value(b.sync_interval_minutes),
        )
        .col_expr(
            businesses::Column::SyncDailyAtMinute,
            Expr::value(b.sync_daily_at_minute),
        )
        .col_expr(businesses::Column::SyncPaused, Expr::value(b.sync_paused))
        .col_expr(businesses::Column::NextSyncAt, Expr::value(b.next_sync_at))
        .filter(businesses::Column::Id.eq(business_id))
        .exec(db)
        .await?;
    Ok(b)
}

/// A business's schedule as the API and settings show it.
pub fn view(b: &businesses::Model) -> shared::dto::ScheduleView {
    shared::dto::ScheduleView {
        every_minutes: b
            .sync_daily_at_minute
            .is_none()
            .then_some(b.sync_interval_minutes),
        daily_at: b.sync_daily_at_minute.map(shared::format::clock),
        paused: b.sync_paused,
        timezone: b.timezone.clone(),
        next_sync_at: b.next_sync_at,
        summary: shared::format::schedule(
            b.sync_interval_minutes,
            b.sync_daily_at_minute,
            b.sync_paused,
        ),
    }
}

/// One tick: every due business gets its run (new ones are returned, to be
/// enqueued), and every schedule without a next slot gets one.
pub async fn tick(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<Uuid>, Error> {
    let with_accounts: Vec<Uuid> = connections::Entity::find()
        .select_only()
        .column(connections::Column::BusinessId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut created = Vec::new();
    for b in businesses::Entity::find()
        .filter(businesses::Column::Id.is_in(with_accounts))
        .filter(businesses::Column::SyncPaused.eq(false))
        .all(db)
        .await?
    {
        let schedule = Schedule::of(&b);
        match b.next_sync_at {
            None => {
                move_next(db, &b, None, schedule.next_after(now)).await?;
            }
            Some(slot) if slot <= now => {
                let asked =
                    runs::request(db, b.id, SyncTrigger::Schedule, None, Some(slot), now).await?;
                if asked.created {
                    created.push(asked.run.id);
                }
                move_next(db, &b, Some(slot), schedule.next_after(now)).await?;
            }
            Some(_) => {}
        }
    }
    Ok(created)
}

/// Sets `next_sync_at` if it still holds `from` (another node may have moved it).
async fn move_next(
    db: &impl ConnectionTrait,
    b: &businesses::Model,
    from: Option<DateTime<Utc>>,
    to: DateTime<Utc>,
) -> Result<(), Error> {
    let mut update = businesses::Entity::update_many()
        .col_expr(businesses::Column::NextSyncAt, Expr::value(Some(to)))
        .filter(businesses::Column::Id.eq(b.id));
    update = match from {
        Some(slot) => update.filter(businesses::Column::NextSyncAt.eq(slot)),
        None => update.filter(businesses::Column::NextSyncAt.is_null()),
    };
    update.exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cadence_is_one_interval_or_one_daily_time() {
        assert_eq!(
            Cadence::parse(Some(360), None).unwrap(),
            Cadence::Every(360)
        );
        assert_eq!(
            Cadence::parse(None, Some("07:30")).unwrap(),
            Cadence::DailyAt(7 * 60 + 30)
        );
        let field = |r: Result<Cadence, Error>| match r {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(Cadence::parse(Some(45), None)), "every_minutes");
        assert_eq!(field(Cadence::parse(None, None)), "every_minutes");
        assert_eq!(field(Cadence::parse(None, Some("25:00"))), "daily_at");
        assert_eq!(field(Cadence::parse(None, Some("7.30"))), "daily_at");
        assert_eq!(field(Cadence::parse(Some(60), Some("07:00"))), "daily_at");
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn interval_slots_are_whole_steps_from_local_midnight() {
        let every_6h = Schedule {
            interval_minutes: 360,
            daily_at_minute: None,
            zone: Tz::UTC,
        };
        assert_eq!(
            every_6h.next_after(at("2026-12-03T05:59:00Z")),
            at("2026-12-03T06:00:00Z")
        );
        assert_eq!(
            every_6h.next_after(at("2026-12-03T06:00:00Z")),
            at("2026-12-03T12:00:00Z")
        );
        assert_eq!(
            every_6h.next_after(at("2026-12-03T23:00:00Z")),
            at("2026-12-04T00:00:00Z")
        );
    }

    #[test]
    fn a_daily_sync_keeps_its_local_time_across_dst_in_two_zones() {
        let berlin = Schedule {
            interval_minutes: 1440,
            daily_at_minute: Some(7 * 60 + 30),
            zone: "Europe/Berlin".parse().unwrap(),
        };
        // CET (UTC+1) before 29 March 2026, CEST (UTC+2) after.
        assert_eq!(
            berlin.next_after(at("2026-03-28T12:00:00Z")),
            at("2026-03-29T05:30:00Z")
        );
        assert_eq!(
            berlin.next_after(at("2026-03-27T12:00:00Z")),
            at("2026-03-28T06:30:00Z")
        );
        let la = Schedule {
            interval_minutes: 1440,
            daily_at_minute: Some(9 * 60),
            zone: "America/Los_Angeles".parse().unwrap(),
        };
        // PDT (UTC−7) until 1 November 2026, PST (UTC−8) after.
        assert_eq!(
            la.next_after(at("2026-10-31T12:00:00Z")),
            at("2026-10-31T16:00:00Z")
        );
        assert_eq!(
            la.next_after(at("2026-10-31T17:00:00Z")),
            at("2026-11-01T17:00:00Z")
        );
    }

    #[test]
    fn a_time_the_clock_skips_runs_an_hour_later_and_a_repeated_one_once() {
        let half_past_two = Schedule {
            interval_minutes: 1440,
            daily_at_minute: Some(2 * 60 + 30),
            zone: "Europe/Berlin".parse().unwrap(),
        };
        // 02:30 does not exist on 29 March 2026 in Berlin: 03:30 CEST = 01:30 UTC.
        assert_eq!(
            half_past_two.next_after(at("2026-03-28T12:00:00Z")),
            at("2026-03-29T01:30:00Z")
        );
        // 02:30 happens twice on 25 October 2026: the first (CEST) = 00:30 UTC.
        let first = half_past_two.next_after(at("2026-10-24T12:00:00Z"));
        assert_eq!(first, at("2026-10-25T00:30:00Z"));
        assert_eq!(half_past_two.next_after(first), at("2026-10-26T01:30:00Z"));
    }
}
