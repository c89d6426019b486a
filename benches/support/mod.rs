//! Shared bench support: print each figure against its raw baseline, as measured in the same run.

#![allow(dead_code)]

use std::path::PathBuf;

/// The mean time per iteration of a finished criterion benchmark, in nanoseconds.
pub(crate) fn mean_ns(group: &str, id: &str) -> Option<f64> {
    let dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let candidates = [dir.join("criterion"), PathBuf::from("../../target/criterion")];
    for base in candidates {
        let path = base.join(group).join(id).join("new").join("estimates.json");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let v: serde_json::Value = serde_json::from_str(&text).ok()?;
            return v["mean"]["point_estimate"].as_f64();
        }
    }
    None
}

/// Prints `measured / baseline` and whether it meets `target` (a maximum ratio when `at_most`).
pub(crate) fn report_ratio(
    group: &str,
    baseline: &str,
    measured: &str,
    target: f64,
    at_most: bool,
) {
    match (mean_ns(group, baseline), mean_ns(group, measured)) {
        (Some(b), Some(m)) => {
            let ratio = m / b;
            let ok = if at_most { ratio <= target } else { ratio >= target };
            println!(
                "RATIO {group}: {measured} {m:.1} ns / {baseline} {b:.1} ns = {ratio:.2}× (target {}{target}×) {}",
                if at_most { "≤ " } else { "≥ " },
                if ok { "MET" } else { "MISSED" }
            );
        }
        _ => println!("RATIO {group}: estimates not found (run with `cargo bench`)"),
    }
}

/// Prints `measured / baseline` for information (a floor or a part of a goal), no target.
pub(crate) fn report_info(group: &str, baseline: &str, measured: &str) {
    if let (Some(b), Some(m)) = (mean_ns(group, baseline), mean_ns(group, measured)) {
        println!("INFO {group}: {measured} {m:.1} ns / {baseline} {b:.1} ns = {:.2}×", m / b);
    }
}

/// The figures of [`paired_rounds`]: per-iteration times are the medians over the rounds.
pub(crate) struct Paired {
    /// The rounds' ratios (measured / baseline), sorted.
    pub(crate) ratios: Vec<f64>,
    /// The median time of one baseline iteration, in nanoseconds.
    pub(crate) baseline_ns: f64,
    /// The median time of one measured iteration, in nanoseconds.
    pub(crate) measured_ns: f64,
}

impl Paired {
    /// The median of the rounds' ratios.
    pub(crate) fn median(&self) -> f64 {
        self.ratios[self.ratios.len() / 2]
    }
}

/// How many paired rounds a goal takes: `HAZARDLOOP_BENCH_ROUNDS`, 41 by default.
pub(crate) fn rounds() -> usize {
    std::env::var("HAZARDLOOP_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(41)
}

/// Paired rounds: each round times the baseline and the measured routine back to back (the
/// order turning each round), each closure returning its elapsed time and how many iterations
/// it ran, so a change in the machine's speed (this VM's steal time swings by half from one
/// second to the next) falls on both sides of each round's ratio. Criterion's means above
/// measure each side in its own stretch of the run, seconds apart.
pub(crate) fn paired_rounds(
    rounds: usize,
    mut baseline: impl FnMut() -> (std::time::Duration, u64),
    mut measured: impl FnMut() -> (std::time::Duration, u64),
) -> Paired {
    let per = |(t, n): (std::time::Duration, u64)| t.as_nanos() as f64 / n.max(1) as f64;
    let (mut ratios, mut bases, mut measures) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        let (b, m) = if round % 2 == 0 {
            let b = per(baseline());
            (b, per(measured()))
        } else {
            let m = per(measured());
            (per(baseline()), m)
        };
        ratios.push(m / b);
        bases.push(b);
        measures.push(m);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (baseline_ns, measured_ns) = (median(&mut bases), median(&mut measures));
    ratios.sort_by(f64::total_cmp);
    Paired { ratios, baseline_ns, measured_ns }
}

/// Prints the goal's figure from paired rounds: the median of the rounds' ratios, with the
/// quartiles, against `target` (a maximum ratio when `at_most`).
pub(crate) fn report_paired(
    group: &str,
    baseline: &str,
    measured: &str,
    p: &Paired,
    target: f64,
    at_most: bool,
) {
    let ratio = p.median();
    let ok = if at_most { ratio <= target } else { ratio >= target };
    let n = p.ratios.len();
    println!(
        "RATIO {group}: {measured} {:.1} ns / {baseline} {:.1} ns = {ratio:.2}×, median of {n} \
         paired rounds (quartiles {:.2}–{:.2}×) (target {}{target}×) {}",
        p.measured_ns,
        p.baseline_ns,
        p.ratios[n / 4],
        p.ratios[(3 * n) / 4],
        if at_most { "≤ " } else { "≥ " },
        if ok { "MET" } else { "MISSED" }
    );
}
