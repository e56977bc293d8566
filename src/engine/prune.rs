//! Prune selection: which snapshots of one backup group a `prune` keeps and which it removes.
//!
//! The rules are those of Proxmox Backup Server, read from `pbs-datastore/src/prune.rs`
//! (`compute_prune_info`, `mark_selections`), `pbs-api-types/src/jobs.rs` (`KeepOptions`,
//! `keeps_something`), `src/api2/admin/datastore.rs` (the `keep_all` fallback),
//! `docs/maintenance.rst` and `docs/prune-simulator/` in proxmox/proxmox-backup:
//!
//! * Snapshots are considered newest first.
//! * The options are applied one after another in the fixed order keep-last, keep-hourly,
//!   keep-daily, keep-weekly, keep-monthly, keep-yearly. Each option sorts snapshots into
//!   periods: keep-last uses the snapshot itself, the others the local hour
//!   (`%Y/%m/%d/%H`), day (`%Y/%m/%d`), ISO week (`%G/%V`: weeks run Monday to Sunday and
//!   belong to the ISO week-based year, so 2024-12-30 is in 2025-W01), month (`%Y/%m`) and
//!   year (`%Y`), all in *local* time (PBS calls `strftime_local`, i.e. the server's `TZ`).
//! * Within one option, the newest not yet decided snapshot of each period is kept, until
//!   `N` periods have been newly kept; the older snapshots of a period that option kept are
//!   marked for removal, and those decisions are final for the later options. The option
//!   stops at the first snapshot of an `(N+1)`-th period; everything from there on stays
//!   undecided for the later options. Periods without snapshots do not count.
//! * Periods already covered by a snapshot kept by an earlier option are skipped and do not
//!   count toward the later option ("the next option does not take care of already covered
//!   backups"): keep-last 2 + keep-daily 3 keeps the two newest snapshots plus the newest of
//!   three *further* days. The snapshots of a skipped period stay undecided.
//! * Protected snapshots are always reported as [`PruneMark::Protected`], are never removed
//!   and never count toward any option.
//! * Whatever no option kept is removed, except that when no option is set to a value
//!   above zero ([`KeepOptions::keeps_something`] is false) PBS keeps everything.
//! * Unfinished snapshots (no manifest) are not candidates; the caller handles them as PBS
//!   does: the newest one is kept ([`PruneMark::KeepPartial`]) if it is newer than every
//!   finished snapshot, all others are removed.

use std::collections::HashSet;
use std::fmt;

use chrono::{Datelike, NaiveDateTime, TimeZone, Timelike};

/// The retention options (`--keep-last` … `--keep-yearly`). `None` and `Some(0)` both mean
/// the option is not used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeepOptions {
    pub keep_last: Option<u64>,
    pub keep_hourly: Option<u64>,
    pub keep_daily: Option<u64>,
    pub keep_weekly: Option<u64>,
    pub keep_monthly: Option<u64>,
    pub keep_yearly: Option<u64>,
}

impl KeepOptions {
    /// Whether any option asks to keep at least one snapshot. If not, prune keeps everything.
    pub fn keeps_something(&self) -> bool {
        self.all().iter().any(|&(count, _)| count.unwrap_or(0) > 0)
    }

    /// The options in the order PBS applies them, with the period each one buckets by.
    fn all(&self) -> [(Option<u64>, Period); 6] {
        [
            (self.keep_last, Period::Snapshot),
            (self.keep_hourly, Period::Hour),
            (self.keep_daily, Period::Day),
            (self.keep_weekly, Period::IsoWeek),
            (self.keep_monthly, Period::Month),
            (self.keep_yearly, Period::Year),
        ]
    }
}

/// One finished snapshot of the group being pruned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneCandidate {
    /// Backup time in seconds since the epoch.
    pub backup_time: i64,
    /// The snapshot is protected against removal.
    pub protected: bool,
}

/// The decision for one snapshot; `Display` gives PBS's words (`keep`, `keep-partial`,
/// `protected`, `remove`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneMark {
    /// Kept by a retention option (or because no option is set).
    Keep,
    /// The newest unfinished snapshot, kept because no finished one is newer. Never produced
    /// by [`compute_prune_info`]; the caller assigns it to unfinished snapshots.
    KeepPartial,
    /// Protected: kept regardless of the options.
    Protected,
    /// Its manifest cannot be read: kept regardless of the options, and counted for none of
    /// them (pbsh's rule; a damaged snapshot is for a person to look at, not for retention).
    /// Never produced by [`compute_prune_info`]; see [`compute_prune_info_keeping_unreadable`].
    KeepUnreadable,
    /// To be removed.
    Remove,
}

impl PruneMark {
    /// Whether the snapshot stays.
    pub fn keep(self) -> bool {
        self != PruneMark::Remove
    }

    /// Whether the snapshot is protected.
    pub fn protected(self) -> bool {
        self == PruneMark::Protected
    }
}

impl fmt::Display for PruneMark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PruneMark::Keep => "keep",
            PruneMark::KeepPartial => "keep-partial",
            PruneMark::Protected => "protected",
            PruneMark::KeepUnreadable => "keep (unreadable manifest)",
            PruneMark::Remove => "remove",
        })
    }
}

/// The period an option sorts snapshots into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Snapshot,
    Hour,
    Day,
    IsoWeek,
    Month,
    Year,
}

/// Identifies one period of one kind; only compared among keys of the same [`Period`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Bucket {
    /// The exact backup time (keep-last), or a time the time zone cannot represent.
    Instant(i64),
    /// Local calendar fields, unused ones zero.
    Local(i32, u32, u32, u32),
}

impl Period {
    fn bucket(self, backup_time: i64, local: Option<&NaiveDateTime>) -> Bucket {
        let Some(t) = local else {
            return Bucket::Instant(backup_time);
        };
        match self {
            Period::Snapshot => Bucket::Instant(backup_time),
            Period::Hour => Bucket::Local(t.year(), t.month(), t.day(), t.hour()),
            Period::Day => Bucket::Local(t.year(), t.month(), t.day(), 0),
            Period::IsoWeek => {
                let week = t.iso_week();
                Bucket::Local(week.year(), week.week(), 0, 0)
            }
            Period::Month => Bucket::Local(t.year(), t.month(), 0, 0),
            Period::Year => Bucket::Local(t.year(), 0, 0, 0),
        }
    }
}

/// Decides for each candidate whether prune keeps or removes it, exactly as Proxmox Backup
/// Server does (see the module documentation for the rules). The result is in the order of
/// `candidates`, which need not be sorted. Calendar periods are taken in the time zone `tz`
/// (PBS uses the server's local time: pass `&chrono::Local` to match it, or a fixed offset).
/// A backup time the time zone cannot represent forms a period of its own.
pub fn compute_prune_info<Tz: TimeZone>(
    candidates: &[PruneCandidate],
    options: &KeepOptions,
    tz: &Tz,
) -> Vec<PruneMark> {
    if !options.keeps_something() {
        return candidates
            .iter()
            .map(|c| {
                if c.protected {
                    PruneMark::Protected
                } else {
                    PruneMark::Keep
                }
            })
            .collect();
    }

    // Newest first; equal times keep their input order.
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| candidates[b].backup_time.cmp(&candidates[a].backup_time));

    let local: Vec<Option<NaiveDateTime>> = candidates
        .iter()
        .map(|c| {
            tz.timestamp_opt(c.backup_time, 0)
                .single()
                .map(|dt| dt.naive_local())
        })
        .collect();

    let mut marks: Vec<Option<PruneMark>> = vec![None; candidates.len()];
    for (count, period) in options.all() {
        let Some(keep) = count else { continue };
        let bucket = |i: usize| period.bucket(candidates[i].backup_time, local[i].as_ref());
        mark_period(&mut marks, candidates, &order, keep, bucket);
    }

    candidates
        .iter()
        .zip(marks)
        .map(|(c, mark)| {
            if c.protected {
                PruneMark::Protected
            } else {
                mark.unwrap_or(PruneMark::Remove)
            }
        })
        .collect()
}

/// `compute_prune_info` for a group in which the snapshots with `unreadable[i]` have a
/// manifest that cannot be read: those are left out of every option and always kept
/// ([`PruneMark::KeepUnreadable`]); the others are decided among themselves.
pub fn compute_prune_info_keeping_unreadable<Tz: TimeZone>(
    candidates: &[PruneCandidate],
    unreadable: &[bool],
    options: &KeepOptions,
    tz: &Tz,
) -> Vec<PruneMark> {
    let readable: Vec<PruneCandidate> = candidates
        .iter()
        .zip(unreadable.iter().chain(std::iter::repeat(&false)))
        .filter(|(_, u)| !**u)
        .map(|(c, _)| c.clone())
        .collect();
    let mut marks = compute_prune_info(&readable, options, tz).into_iter();
    candidates
        .iter()
        .zip(unreadable.iter().chain(std::iter::repeat(&false)))
        .map(|(_, u)| {
            if *u {
                PruneMark::KeepUnreadable
            } else {
                // Same count by construction; keeping is the safe answer regardless.
                marks.next().unwrap_or(PruneMark::Keep)
            }
        })
        .collect()
}

/// Applies one option: keeps the newest undecided snapshot of up to `keep` periods not yet
/// covered by an earlier option, removes the older ones of those periods.
fn mark_period(
    marks: &mut [Option<PruneMark>],
    candidates: &[PruneCandidate],
    order: &[usize],
    keep: u64,
    bucket: impl Fn(usize) -> Bucket,
) {
    let covered: HashSet<Bucket> = order
        .iter()
        .filter(|&&i| marks[i] == Some(PruneMark::Keep))
        .map(|&i| bucket(i))
        .collect();
    let mut newly_kept: HashSet<Bucket> = HashSet::new();

    for &i in order {
        if marks[i].is_some() {
            continue;
        }
        if candidates[i].protected {
            marks[i] = Some(PruneMark::Protected);
            continue;
        }
        let b = bucket(i);
        if covered.contains(&b) {
            continue;
        }
        if newly_kept.contains(&b) {
            marks[i] = Some(PruneMark::Remove);
        } else {
            if newly_kept.len() as u64 >= keep {
                break;
            }
            newly_kept.insert(b);
            marks[i] = Some(PruneMark::Keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset, Utc};

    fn ts(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp()
    }

    fn snap(rfc3339: &str) -> PruneCandidate {
        PruneCandidate {
            backup_time: ts(rfc3339),
            protected: false,
        }
    }

    fn protected(rfc3339: &str) -> PruneCandidate {
        PruneCandidate {
            backup_time: ts(rfc3339),
            protected: true,
        }
    }

    fn fmt_time(t: i64) -> String {
        DateTime::from_timestamp(t, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    /// The UTC times of the candidates whose mark satisfies `pred`, oldest first.
    fn times_where<Tz: TimeZone>(
        list: &[PruneCandidate],
        options: &KeepOptions,
        tz: &Tz,
        pred: impl Fn(PruneMark) -> bool,
    ) -> Vec<String> {
        let marks = compute_prune_info(list, options, tz);
        assert_eq!(marks.len(), list.len());
        let mut out: Vec<(i64, String)> = list
            .iter()
            .zip(marks)
            .filter(|(_, m)| pred(*m))
            .map(|(c, _)| (c.backup_time, fmt_time(c.backup_time)))
            .collect();
        out.sort();
        out.into_iter().map(|(_, s)| s).collect()
    }

    fn kept(list: &[PruneCandidate], options: &KeepOptions) -> Vec<String> {
        times_where(list, options, &Utc, |m| m.keep())
    }

    fn removed(list: &[PruneCandidate], options: &KeepOptions) -> Vec<String> {
        times_where(list, options, &Utc, |m| !m.keep())
    }

    /// Snapshots every `step` seconds from `start` on, `count` of them.
    fn series(start: &str, step: i64, count: usize) -> Vec<PruneCandidate> {
        let t0 = ts(start);
        (0..count as i64)
            .map(|i| PruneCandidate {
                backup_time: t0 + i * step,
                protected: false,
            })
            .collect()
    }

    const HOUR: i64 = 3600;

    #[test]
    fn keep_last_3_of_10_keeps_the_three_newest() {
        let list = series("2024-05-01T10:00:00Z", HOUR, 10);
        let options = KeepOptions {
            keep_last: Some(3),
            ..Default::default()
        };
        let marks = compute_prune_info(&list, &options, &Utc);
        let mut expect = vec![PruneMark::Remove; 7];
        expect.extend([PruneMark::Keep; 3]);
        assert_eq!(marks, expect);
    }

    #[test]
    fn input_order_is_preserved_for_unsorted_candidates() {
        let list = vec![
            snap("2024-05-01T12:00:00Z"),
            snap("2024-05-01T18:00:00Z"),
            snap("2024-05-01T06:00:00Z"),
            snap("2024-05-02T00:00:00Z"),
        ];
        let options = KeepOptions {
            keep_last: Some(2),
            ..Default::default()
        };
        assert_eq!(
            compute_prune_info(&list, &options, &Utc),
            [
                PruneMark::Remove,
                PruneMark::Keep,
                PruneMark::Remove,
                PruneMark::Keep
            ]
        );
    }

    #[test]
    fn keep_daily_keeps_the_last_snapshot_of_each_day() {
        // Five days, four snapshots a day.
        let list = series("2024-05-01T00:00:00Z", 6 * HOUR, 20);
        let options = KeepOptions {
            keep_daily: Some(3),
            ..Default::default()
        };
        assert_eq!(
            kept(&list, &options),
            [
                "2024-05-03T18:00:00Z",
                "2024-05-04T18:00:00Z",
                "2024-05-05T18:00:00Z"
            ]
        );
        assert_eq!(removed(&list, &options).len(), 17);
    }

    #[test]
    fn keep_hourly_matches_pbs_reference_expectations() {
        // pbs tests/prune.rs, test_prune_hourly.
        let list = vec![
            snap("2019-11-15T09:39:15Z"),
            snap("2019-11-15T10:49:15Z"),
            snap("2019-11-15T10:59:15Z"),
            snap("2019-11-15T11:39:15Z"),
            snap("2019-11-15T11:49:15Z"),
            snap("2019-11-15T11:59:15Z"),
        ];
        let hourly = |n| KeepOptions {
            keep_hourly: Some(n),
            ..Default::default()
        };
        assert_eq!(
            removed(&list, &hourly(3)),
            [
                "2019-11-15T10:49:15Z",
                "2019-11-15T11:39:15Z",
                "2019-11-15T11:49:15Z"
            ]
        );
        assert_eq!(
            kept(&list, &hourly(2)),
            ["2019-11-15T10:59:15Z", "2019-11-15T11:59:15Z"]
        );
    }

    #[test]
    fn later_options_skip_periods_kept_earlier_and_removals_are_final() {
        // pbs tests/prune.rs, test_prune_simple2.
        let list: Vec<_> = [
            "2018-11-15T11:59:15Z",
            "2019-11-15T11:59:15Z",
            "2019-11-21T11:59:15Z",
            "2019-11-22T11:59:15Z",
            "2019-11-29T11:59:15Z",
            "2019-12-01T11:59:15Z",
            "2019-12-02T11:59:15Z",
            "2019-12-03T11:59:15Z",
            "2019-12-04T11:59:15Z",
        ]
        .iter()
        .map(|s| snap(s))
        .collect();
        let opts = |last, daily, weekly, monthly, yearly| KeepOptions {
            keep_last: last,
            keep_daily: daily,
            keep_weekly: weekly,
            keep_monthly: monthly,
            keep_yearly: yearly,
            ..Default::default()
        };
        assert_eq!(
            kept(&list, &opts(None, Some(1), None, None, None)),
            ["2019-12-04T11:59:15Z"]
        );
        assert_eq!(
            kept(&list, &opts(Some(1), Some(1), None, None, None)),
            ["2019-12-03T11:59:15Z", "2019-12-04T11:59:15Z"]
        );
        // 2019-12-01 is a Sunday: the end of the ISO week before.
        assert_eq!(
            kept(&list, &opts(None, Some(1), Some(1), None, None)),
            ["2019-12-01T11:59:15Z", "2019-12-04T11:59:15Z"]
        );
        // keep-weekly removed 11-29 (same week as 12-01), so keep-monthly takes 11-22.
        assert_eq!(
            kept(&list, &opts(None, Some(1), Some(1), Some(1), None)),
            [
                "2019-11-22T11:59:15Z",
                "2019-12-01T11:59:15Z",
                "2019-12-04T11:59:15Z"
            ]
        );
        assert_eq!(
            kept(&list, &opts(None, None, None, Some(1), Some(1))),
            ["2018-11-15T11:59:15Z", "2019-12-04T11:59:15Z"]
        );
    }

    #[test]
    fn keep_weekly_across_year_boundary_uses_iso_weeks() {
        // 2020-12-31 (Thu) .. 2021-01-03 (Sun) are all ISO 2020-W53; 2021-01-04 is 2021-W01.
        let list = vec![
            snap("2020-12-24T12:00:00Z"),
            snap("2020-12-31T12:00:00Z"),
            snap("2021-01-01T12:00:00Z"),
            snap("2021-01-03T12:00:00Z"),
            snap("2021-01-04T12:00:00Z"),
        ];
        let weekly = |n| KeepOptions {
            keep_weekly: Some(n),
            ..Default::default()
        };
        assert_eq!(
            kept(&list, &weekly(2)),
            ["2021-01-03T12:00:00Z", "2021-01-04T12:00:00Z"]
        );
        assert_eq!(
            kept(&list, &weekly(3)),
            [
                "2020-12-24T12:00:00Z",
                "2021-01-03T12:00:00Z",
                "2021-01-04T12:00:00Z"
            ]
        );

        // 2024-12-30 (Mon) already belongs to ISO 2025-W01, together with 2025-01-02.
        let list = vec![
            snap("2024-12-29T12:00:00Z"),
            snap("2024-12-30T12:00:00Z"),
            snap("2025-01-02T12:00:00Z"),
        ];
        assert_eq!(kept(&list, &weekly(1)), ["2025-01-02T12:00:00Z"]);
        assert_eq!(
            kept(&list, &weekly(2)),
            ["2024-12-29T12:00:00Z", "2025-01-02T12:00:00Z"]
        );
    }

    #[test]
    fn keep_last_2_plus_keep_daily_3_does_not_count_days_kept_by_keep_last() {
        // Five days, two snapshots a day (06:00 and 18:00).
        let mut list = Vec::new();
        for day in 1..=5 {
            list.push(snap(&format!("2024-05-0{day}T06:00:00Z")));
            list.push(snap(&format!("2024-05-0{day}T18:00:00Z")));
        }
        let options = KeepOptions {
            keep_last: Some(2),
            keep_daily: Some(3),
            ..Default::default()
        };
        // keep-last takes both snapshots of May 5; keep-daily then skips May 5 and keeps
        // three further days.
        assert_eq!(
            kept(&list, &options),
            [
                "2024-05-02T18:00:00Z",
                "2024-05-03T18:00:00Z",
                "2024-05-04T18:00:00Z",
                "2024-05-05T06:00:00Z",
                "2024-05-05T18:00:00Z"
            ]
        );

        // pbs tests/prune.rs: keep-last 2 + keep-daily 2 on these four removes nothing.
        let list = vec![
            snap("2019-12-02T11:59:15Z"),
            snap("2019-12-03T11:59:15Z"),
            snap("2019-12-04T11:59:15Z"),
            snap("2019-12-04T12:59:15Z"),
        ];
        let options = KeepOptions {
            keep_last: Some(2),
            keep_daily: Some(2),
            ..Default::default()
        };
        assert!(removed(&list, &options).is_empty());
    }

    #[test]
    fn protected_snapshots_are_never_removed_and_do_not_count() {
        // pbs tests/prune.rs, test_prune_protected.
        let list = vec![
            protected("2019-11-15T09:39:15Z"),
            snap("2019-11-15T10:39:15Z"),
            snap("2019-11-15T10:49:15Z"),
            protected("2019-11-15T10:59:15Z"),
        ];
        for options in [
            KeepOptions {
                keep_last: Some(1),
                ..Default::default()
            },
            KeepOptions {
                keep_hourly: Some(1),
                ..Default::default()
            },
        ] {
            assert_eq!(
                compute_prune_info(&list, &options, &Utc),
                [
                    PruneMark::Protected,
                    PruneMark::Remove,
                    PruneMark::Keep,
                    PruneMark::Protected
                ],
                "{options:?}"
            );
        }

        // Protected snapshots far beyond the kept range, and under keep-all.
        let mut list = series("2024-01-01T00:00:00Z", 24 * HOUR, 30);
        list[0].protected = true;
        list[15].protected = true;
        let options = KeepOptions {
            keep_daily: Some(2),
            ..Default::default()
        };
        let marks = compute_prune_info(&list, &options, &Utc);
        assert_eq!(marks[0], PruneMark::Protected);
        assert_eq!(marks[15], PruneMark::Protected);
        assert_eq!(marks.iter().filter(|m| **m == PruneMark::Keep).count(), 2);
        assert_eq!(
            marks.iter().filter(|m| **m == PruneMark::Remove).count(),
            26
        );
        let all = compute_prune_info(&list, &KeepOptions::default(), &Utc);
        assert_eq!(all[0], PruneMark::Protected);
        assert_eq!(all[1], PruneMark::Keep);
    }

    #[test]
    fn empty_or_all_zero_options_keep_everything() {
        let list = series("2024-05-01T00:00:00Z", 6 * HOUR, 12);
        assert!(!KeepOptions::default().keeps_something());
        let marks = compute_prune_info(&list, &KeepOptions::default(), &Utc);
        assert!(marks.iter().all(|m| *m == PruneMark::Keep));

        let zeros = KeepOptions {
            keep_last: Some(0),
            keep_hourly: Some(0),
            keep_daily: Some(0),
            keep_weekly: Some(0),
            keep_monthly: Some(0),
            keep_yearly: Some(0),
        };
        assert!(!zeros.keeps_something());
        let marks = compute_prune_info(&list, &zeros, &Utc);
        assert!(marks.iter().all(|m| *m == PruneMark::Keep));

        assert!(compute_prune_info(&[], &zeros, &Utc).is_empty());
    }

    #[test]
    fn a_zero_option_next_to_a_real_one_keeps_nothing_itself() {
        let list = series("2024-05-01T00:00:00Z", 6 * HOUR, 12);
        let options = KeepOptions {
            keep_last: Some(0),
            keep_daily: Some(1),
            ..Default::default()
        };
        assert!(options.keeps_something());
        assert_eq!(kept(&list, &options), ["2024-05-03T18:00:00Z"]);
    }

    #[test]
    fn prune_simulator_default_scenario() {
        // The simulator's defaults: 15 weeks, every day at 0/6:00, keep-last 4,
        // keep-daily 5, keep-weekly 2. Ends Sunday 2024-06-16 18:00.
        let list = series("2024-03-04T00:00:00Z", 6 * HOUR, 15 * 7 * 4);
        assert_eq!(
            fmt_time(list[list.len() - 1].backup_time),
            "2024-06-16T18:00:00Z"
        );
        let options = KeepOptions {
            keep_last: Some(4),
            keep_daily: Some(5),
            keep_weekly: Some(2),
            ..Default::default()
        };
        assert_eq!(
            kept(&list, &options),
            [
                "2024-06-02T18:00:00Z",
                "2024-06-09T18:00:00Z",
                "2024-06-11T18:00:00Z",
                "2024-06-12T18:00:00Z",
                "2024-06-13T18:00:00Z",
                "2024-06-14T18:00:00Z",
                "2024-06-15T18:00:00Z",
                "2024-06-16T00:00:00Z",
                "2024-06-16T06:00:00Z",
                "2024-06-16T12:00:00Z",
                "2024-06-16T18:00:00Z"
            ]
        );
        assert_eq!(removed(&list, &options).len(), 420 - 11);
    }

    #[test]
    fn synthetic_calendar_200_snapshots_every_6_hours() {
        // 2023-11-20 00:00 .. 2024-01-08 18:00 (a Monday), across a month and a year.
        let list = series("2023-11-20T00:00:00Z", 6 * HOUR, 200);
        assert_eq!(fmt_time(list[199].backup_time), "2024-01-08T18:00:00Z");
        let options = KeepOptions {
            keep_last: None,
            keep_hourly: Some(5),
            keep_daily: Some(7),
            keep_weekly: Some(4),
            keep_monthly: Some(3),
            keep_yearly: Some(2),
        };
        let kept_times = kept(&list, &options);
        // hourly: 5 newest; daily: Jan 6 .. Dec 31 (Jan 8 and 7 already covered);
        // weekly: 2023-W51 .. W48 (W02, W01, 2023-W52 covered); keep-weekly removed the rest
        // of W48 (Nov 27 .. Dec 3), so keep-monthly takes Nov 26; yearly: both years covered.
        assert_eq!(
            kept_times,
            [
                "2023-11-26T18:00:00Z",
                "2023-12-03T18:00:00Z",
                "2023-12-10T18:00:00Z",
                "2023-12-17T18:00:00Z",
                "2023-12-24T18:00:00Z",
                "2023-12-31T18:00:00Z",
                "2024-01-01T18:00:00Z",
                "2024-01-02T18:00:00Z",
                "2024-01-03T18:00:00Z",
                "2024-01-04T18:00:00Z",
                "2024-01-05T18:00:00Z",
                "2024-01-06T18:00:00Z",
                "2024-01-07T18:00:00Z",
                "2024-01-08T00:00:00Z",
                "2024-01-08T06:00:00Z",
                "2024-01-08T12:00:00Z",
                "2024-01-08T18:00:00Z"
            ]
        );
        assert_eq!(kept_times.len(), 17);
        assert_eq!(removed(&list, &options).len(), 183);

        // A larger keep-yearly than there are years changes nothing; a larger keep-monthly
        // adds nothing either (Nov is the oldest month).
        let more = KeepOptions {
            keep_monthly: Some(12),
            keep_yearly: Some(10),
            ..options
        };
        assert_eq!(times_where(&list, &more, &Utc, |m| m.keep()).len(), 17);
    }

    #[test]
    fn time_zone_changes_daily_buckets() {
        let list = vec![
            snap("2024-03-10T17:00:00Z"),
            snap("2024-03-10T20:00:00Z"),
            snap("2024-03-11T02:00:00Z"),
        ];
        let options = KeepOptions {
            keep_daily: Some(2),
            ..Default::default()
        };
        // UTC: Mar 10 {17:00, 20:00}, Mar 11 {02:00}.
        assert_eq!(
            compute_prune_info(&list, &options, &Utc),
            [PruneMark::Remove, PruneMark::Keep, PruneMark::Keep]
        );
        // +05:30: Mar 10 {22:30}, Mar 11 {01:30, 07:30}.
        let india = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
        assert_eq!(
            compute_prune_info(&list, &options, &india),
            [PruneMark::Keep, PruneMark::Remove, PruneMark::Keep]
        );
        // chrono::Local (the process's TZ) is accepted as well.
        assert_eq!(compute_prune_info(&list, &options, &chrono::Local).len(), 3);
    }

    #[test]
    fn time_zone_changes_iso_week_at_the_sunday_monday_boundary() {
        // 2024-01-07 20:00Z is Sunday in UTC (2024-W01) but Monday 01:00 at +05:00 (W02).
        let list = vec![snap("2024-01-07T20:00:00Z"), snap("2024-01-08T06:00:00Z")];
        let options = KeepOptions {
            keep_weekly: Some(2),
            ..Default::default()
        };
        let plus5 = FixedOffset::east_opt(5 * 3600).unwrap();
        assert_eq!(
            compute_prune_info(&list, &options, &Utc),
            [PruneMark::Keep, PruneMark::Keep]
        );
        assert_eq!(
            compute_prune_info(&list, &options, &plus5),
            [PruneMark::Remove, PruneMark::Keep]
        );
    }

    #[test]
    fn mark_words_match_pbs() {
        assert_eq!(PruneMark::Keep.to_string(), "keep");
        assert_eq!(PruneMark::KeepPartial.to_string(), "keep-partial");
        assert_eq!(PruneMark::Protected.to_string(), "protected");
        assert_eq!(PruneMark::Remove.to_string(), "remove");
        assert!(PruneMark::KeepPartial.keep() && PruneMark::Protected.keep());
        assert!(!PruneMark::Remove.keep() && PruneMark::Protected.protected());
    }

    #[test]
    fn unreadable_snapshots_are_kept_and_count_for_no_option() {
        let list = [
            snap("2024-01-01T00:00:00Z"),
            snap("2024-01-02T00:00:00Z"),
            snap("2024-01-03T00:00:00Z"),
        ];
        let options = KeepOptions {
            keep_last: Some(1),
            ..Default::default()
        };
        // The newest is unreadable: keep-last 1 keeps the newest readable one besides it.
        assert_eq!(
            compute_prune_info_keeping_unreadable(&list, &[false, false, true], &options, &Utc),
            [
                PruneMark::Remove,
                PruneMark::Keep,
                PruneMark::KeepUnreadable
            ]
        );
        assert!(PruneMark::KeepUnreadable.keep());
    }
}
