//! Reads criterion's estimates from this run and prints each figure against its baseline.

use std::path::PathBuf;

/// The target directory criterion writes to.
pub(crate) fn target_dir() -> PathBuf {
    // `cargo bench` runs a bench in its crate's directory; the workspace's target is two up.
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    )
}

/// The mean time per iteration of a finished benchmark, in nanoseconds.
pub(crate) fn mean_ns(group: &str, id: &str) -> Option<f64> {
    let candidates = [target_dir().join("criterion"), PathBuf::from("../../target/criterion")];
    for base in candidates {
        let path = base.join(group).join(id).join("new").join("estimates.json");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let v: serde_json::Value = serde_json::from_str(&text).ok()?;
            return v["mean"]["point_estimate"].as_f64();
        }
    }
    None
}

/// Prints the rate of `measured` as a share of `baseline`'s rate, against a minimum.
pub(crate) fn rate_at_least(group: &str, baseline: &str, measured: &str, target: f64) {
    match (mean_ns(group, baseline), mean_ns(group, measured)) {
        (Some(b), Some(m)) => {
            let share = b / m;
            println!(
                "RATIO {group}: {measured} {:.1} µs/commit ({:.0}/s) vs {baseline} {:.1} µs/commit \
                 ({:.0}/s): rate {share:.2}× the baseline (target ≥ {target}×) {}",
                m / 1e3,
                1e9 / m,
                b / 1e3,
                1e9 / b,
                if share >= target { "MET" } else { "MISSED" }
            );
        }
        _ => println!("RATIO {group}: estimates not found (run with `cargo bench`)"),
    }
}

/// Prints the rate of `measured` as a share of `baseline`'s rate, for information (no target).
pub(crate) fn rate_of(group: &str, baseline: &str, measured: &str) {
    match (mean_ns(group, baseline), mean_ns(group, measured)) {
        (Some(b), Some(m)) => println!(
            "INFO {group}: {measured} {:.1} µs/commit vs {baseline} {:.1} µs/commit: rate {:.2}× \
             the baseline",
            m / 1e3,
            b / 1e3,
            b / m
        ),
        _ => println!("INFO {group}: estimates not found (run with `cargo bench`)"),
    }
}

/// Prints `measured / baseline` (times) against a maximum.
pub(crate) fn time_at_most(group: &str, baseline: &str, measured: &str, target: f64) {
    match (mean_ns(group, baseline), mean_ns(group, measured)) {
        (Some(b), Some(m)) => {
            let ratio = m / b;
            println!(
                "RATIO {group}: {measured} {:.1} ms / {baseline} {:.1} ms = {ratio:.2}× \
                 (target ≤ {target}×) {}",
                m / 1e6,
                b / 1e6,
                if ratio <= target { "MET" } else { "MISSED" }
            );
        }
        _ => println!("RATIO {group}: estimates not found (run with `cargo bench`)"),
    }
}
