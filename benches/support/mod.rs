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
