//! What the dashboard's analytics show, computed outside any component:
//! the KPI tiles with their change against the previous period, and the
//! scaling of hand-drawn SVG charts.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::Metric;
use crate::dto::{MetricsView, SeriesView};

/// One KPI tile.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    pub label: &'static str,
    pub value: Option<f64>,
    /// Per cent against the previous period, when both are known.
    pub change: Option<f64>,
    /// The value is a ratio, shown as a percentage.
    pub ratio: bool,
}

fn of(view: &MetricsView, metric: Metric) -> impl Iterator<Item = &SeriesView> {
    view.series
        .iter()
        .filter(move |s| s.metric == metric.as_str())
}

/// Every account's last follower total in the range, added up.
fn followers(view: &MetricsView) -> Option<f64> {
    let lasts: Vec<f64> = of(view, Metric::Followers)
        .filter_map(|s| s.points.last().map(|p| p.value))
        .collect();
    (!lasts.is_empty()).then(|| lasts.iter().sum())
}

fn total(view: &MetricsView, metric: Metric) -> Option<f64> {
    let values: Vec<f64> = of(view, metric)
        .flat_map(|s| s.points.iter().map(|p| p.value))
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

fn rate(view: &MetricsView) -> Option<f64> {
    match (total(view, Metric::Engagements), total(view, Metric::Views)) {
        (Some(e), Some(v)) if v > 0.0 => Some(e / v),
        _ => None,
    }
}

fn change(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    match (now, before) {
        (Some(n), Some(b)) if b != 0.0 => Some((n - b) / b * 100.0),
        _ => None,
    }
}

/// Followers, views, engagements and engagement rate (engagements per
/// view) for `current`, each against `previous` (the period before).
pub fn kpis(current: &MetricsView, previous: &MetricsView) -> Vec<Kpi> {
    let tile = |label, f: &dyn Fn(&MetricsView) -> Option<f64>, ratio| Kpi {
        label,
        value: f(current),
        change: change(f(current), f(previous)),
        ratio,
    };
    vec![
        tile("Followers", &followers, false),
        tile("Views", &|v| total(v, Metric::Views), false),
        tile("Engagements", &|v| total(v, Metric::Engagements), false),
        tile("Engagement rate", &rate, true),
    ]
}

/// A KPI's value in words: `12,345`, `3.1 %`, or `—`.
pub fn kpi_value(k: &Kpi) -> String {
    match k.value {
        None => "—".to_owned(),
        Some(v) if k.ratio => format!("{:.1} %", v * 100.0),
        Some(v) => thousands(v.round() as i64),
    }
}

/// A change in words: `+12.5 %`, `−3.0 %`, or nothing.
pub fn change_text(change: Option<f64>) -> String {
    match change {
        None => String::new(),
        Some(c) if c >= 0.0 => format!("+{c:.1} %"),
        Some(c) => format!("−{:.1} %", -c),
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A post's engagements: its platform's total, or — where the platform
/// reports none per post (Facebook) — its likes, comments, shares and
/// saves added up.
pub fn engagement_score(metrics: &BTreeMap<String, f64>) -> f64 {
    if let Some(v) = metrics.get(Metric::Engagements.as_str()) {
        return *v;
    }
    [
        Metric::Likes,
        Metric::Comments,
        Metric::Shares,
        Metric::Saves,
    ]
    .iter()
    .filter_map(|m| metrics.get(m.as_str()))
    .sum()
}

/// Engagements per account kind in the range, for the bar chart.
pub fn engagements_by_kind(view: &MetricsView) -> Vec<(String, f64)> {
    let mut by: BTreeMap<String, f64> = BTreeMap::new();
    for s in of(view, Metric::Engagements) {
        *by.entry(s.kind.clone()).or_default() += s.points.iter().map(|p| p.value).sum::<f64>();
    }
    by.into_iter().collect()
}

/// The smallest 1, 2 or 5 × 10ⁿ at least `v`: a chart's top line.
pub fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * magnitude)
}

/// A chart's drawing area and the range it shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plot {
    pub width: f64,
    pub height: f64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub max: f64,
}

impl Plot {
    pub fn x(&self, day: NaiveDate) -> f64 {
        let span = (self.to - self.from).num_days().max(1) as f64;
        ((day - self.from).num_days() as f64 / span * self.width).clamp(0.0, self.width)
    }

    pub fn y(&self, value: f64) -> f64 {
        let max = if self.max > 0.0 { self.max } else { 1.0 };
        (self.height - value / max * self.height).clamp(0.0, self.height)
    }

    /// An SVG `points` attribute for a series.
    pub fn polyline(&self, series: &SeriesView) -> String {
        series
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", self.x(p.day), self.y(p.value)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The plot for `series` over `from`..`to`: its top is a nice ceiling of
/// their largest value.
pub fn plot_for(
    series: &[&SeriesView],
    from: NaiveDate,
    to: NaiveDate,
    width: f64,
    height: f64,
) -> Plot {
    let largest = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.value))
        .fold(0.0, f64::max);
    Plot {
        width,
        height,
        from,
        to,
        max: nice_ceiling(largest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::PointView;
    use uuid::Uuid;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn series(kind: &str, metric: Metric, values: &[(&str, f64)]) -> SeriesView {
        SeriesView {
            connection_id: Uuid::nil(),
            kind: kind.into(),
            display_name: kind.into(),
            metric: metric.as_str().into(),
            native_metric: String::new(),
            points: values
                .iter()
                .map(|(d, v)| PointView {
                    day: day(d),
                    value: *v,
                })
                .collect(),
        }
    }

    fn view(series: Vec<SeriesView>) -> MetricsView {
        MetricsView {
            from: day("2026-11-01"),
            to: day("2026-11-30"),
            granularity: "day".into(),
            series,
        }
    }

    #[test]
    fn kpis_add_accounts_up_and_compare_with_the_period_before() {
        let now = view(vec![
            series(
                "x",
                Metric::Followers,
                &[("2026-11-01", 90.0), ("2026-11-30", 100.0)],
            ),
            series("linkedin", Metric::Followers, &[("2026-11-30", 50.0)]),
            series(
                "x",
                Metric::Views,
                &[("2026-11-01", 600.0), ("2026-11-02", 400.0)],
            ),
            series(
                "x",
                Metric::Engagements,
                &[("2026-11-01", 30.0), ("2026-11-02", 20.0)],
            ),
        ]);
        let before = view(vec![
            series("x", Metric::Followers, &[("2026-10-31", 80.0)]),
            series("linkedin", Metric::Followers, &[("2026-10-31", 40.0)]),
            series("x", Metric::Views, &[("2026-10-01", 800.0)]),
        ]);
        let k = kpis(&now, &before);
        assert_eq!(k[0].value, Some(150.0));
        assert_eq!(k[0].change, Some(25.0));
        assert_eq!(k[1].value, Some(1000.0));
        assert_eq!(k[1].change, Some(25.0));
        assert_eq!((k[2].value, k[2].change), (Some(50.0), None));
        assert_eq!(k[3].value, Some(0.05));
        assert_eq!(kpi_value(&k[3]), "5.0 %");
        assert_eq!(kpi_value(&k[1]), "1,000");
        assert_eq!(change_text(k[0].change), "+25.0 %");
        assert_eq!(change_text(Some(-3.0)), "−3.0 %");
        let empty = kpis(&view(vec![]), &view(vec![]));
        assert!(
            empty
                .iter()
                .all(|k| k.value.is_none() && k.change.is_none())
        );
    }

    #[test]
    fn charts_scale_to_a_nice_top_and_the_range() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(130.0), 200.0);
        assert_eq!(nice_ceiling(4_100.0), 5_000.0);
        assert_eq!(nice_ceiling(1_000.0), 1_000.0);
        let s = series(
            "x",
            Metric::Followers,
            &[("2026-11-01", 0.0), ("2026-11-30", 150.0)],
        );
        let plot = plot_for(&[&s], day("2026-11-01"), day("2026-11-30"), 290.0, 100.0);
        assert_eq!(plot.max, 200.0);
        assert_eq!(plot.polyline(&s), "0.0,100.0 290.0,25.0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-42), "-42");
    }

    #[test]
    fn engagements_are_added_per_account_kind() {
        let v = view(vec![
            series(
                "x",
                Metric::Engagements,
                &[("2026-11-01", 3.0), ("2026-11-02", 4.0)],
            ),
            series("facebook", Metric::Engagements, &[("2026-11-01", 10.0)]),
            series("x", Metric::Views, &[("2026-11-01", 100.0)]),
        ]);
        assert_eq!(
            engagements_by_kind(&v),
            vec![("facebook".to_owned(), 10.0), ("x".to_owned(), 7.0)]
        );
    }
}
