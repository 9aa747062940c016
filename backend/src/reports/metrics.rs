//! A business's metric series: one per account and metric, over a range
//! of the platforms' reporting days, by day or by week.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::Range;
use super::series::bucket;
use crate::entities::{connections, metric_points};
use crate::error::Error;
use shared::domain::{Granularity, Metric, Platform};
use shared::dto::{MetricsView, PointView, SeriesView};

/// What a caller asks for.
#[derive(Debug, Clone, Copy)]
pub struct Query {
    pub range: Range,
    pub platform: Option<Platform>,
    pub metric: Option<Metric>,
    pub granularity: Granularity,
}

/// The business's accounts on `platform` (all of them without one).
pub(super) async fn accounts(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    platform: Option<Platform>,
) -> Result<HashMap<Uuid, connections::Model>, Error> {
    Ok(connections::Entity::find()
        .filter(connections::Column::BusinessId.eq(business_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|c| match (platform, c.kind()) {
            (None, Some(_)) => true,
            (Some(p), Some(kind)) => kind.platform() == p,
            (_, None) => false,
        })
        .map(|c| (c.id, c))
        .collect())
}

pub async fn series(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    q: Query,
) -> Result<MetricsView, Error> {
    let accounts = accounts(db, business_id, q.platform).await?;
    let mut rows = metric_points::Entity::find()
        .filter(metric_points::Column::ConnectionId.is_in(accounts.keys().copied()))
        .filter(metric_points::Column::Day.between(q.range.from, q.range.to));
    if let Some(metric) = q.metric {
        rows = rows.filter(metric_points::Column::Metric.eq(metric.as_str()));
    }
    let rows = rows
        .order_by_asc(metric_points::Column::ConnectionId)
        .order_by_asc(metric_points::Column::Metric)
        .order_by_asc(metric_points::Column::Day)
        .all(db)
        .await?;

    let mut series: Vec<SeriesView> = Vec::new();
    let mut days: Vec<(chrono::NaiveDate, f64)> = Vec::new();
    let flush = |series: &mut Vec<SeriesView>, days: &mut Vec<_>| {
        if let Some(s) = series.last_mut()
            && let Some(metric) = Metric::parse(&s.metric)
        {
            s.points = bucket(days, metric, q.granularity)
                .into_iter()
                .map(|(day, value)| PointView { day, value })
                .collect();
        }
        days.clear();
    };
    for row in rows {
        let (Some(account), Some(_)) =
            (accounts.get(&row.connection_id), Metric::parse(&row.metric))
        else {
            continue;
        };
        let same = series
            .last()
            .is_some_and(|s| s.connection_id == row.connection_id && s.metric == row.metric);
        if !same {
            flush(&mut series, &mut days);
            series.push(SeriesView {
                connection_id: row.connection_id,
                kind: account.platform.clone(),
                display_name: account.display_name.clone(),
                metric: row.metric.clone(),
                native_metric: row.native_metric.clone(),
                points: Vec::new(),
            });
        }
        days.push((row.day, row.value));
    }
    flush(&mut series, &mut days);
    series.sort_by(|a, b| {
        (&a.kind, &a.display_name, &a.metric).cmp(&(&b.kind, &b.display_name, &b.metric))
    });
    Ok(MetricsView {
        from: q.range.from,
        to: q.range.to,
        granularity: q.granularity.as_str().to_owned(),
        series,
    })
}

/// The series as CSV, one row per point: `account,kind,metric,native_metric,day,value`.
/// Text cells are quoted, and one that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`) is prefixed with `'`.
pub fn to_csv(view: &MetricsView) -> String {
    fn cell(text: &str) -> String {
        let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{text}")
        } else {
            text.to_owned()
        };
        format!("\"{}\"", text.replace('"', "\"\""))
    }
    let mut out = String::from("account,kind,metric,native_metric,day,value\n");
    for s in &view.series {
        for p in &s.points {
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                cell(&s.display_name),
                cell(&s.kind),
                cell(&s.metric),
                cell(&s.native_metric),
                p.day,
                p.value
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_text_and_defuses_formulas() {
        let view = MetricsView {
            from: "2026-11-01".parse().unwrap(),
            to: "2026-11-02".parse().unwrap(),
            granularity: "day".into(),
            series: vec![SeriesView {
                connection_id: Uuid::nil(),
                kind: "x".into(),
                display_name: "=HYPERLINK(\"evil\"), Inc".into(),
                metric: "views".into(),
                native_metric: "impression_count".into(),
                points: vec![PointView {
                    day: "2026-11-01".parse().unwrap(),
                    value: 12.5,
                }],
            }],
        };
        assert_eq!(
            to_csv(&view),
            "account,kind,metric,native_metric,day,value\n\
             \"'=HYPERLINK(\"\"evil\"\"), Inc\",\"x\",\"views\",\"impression_count\",2026-11-01,12.5\n"
        );
    }
}
