//! Fuzz target: `Policy::from_json` on arbitrary text (see `hazardloop_fuzz::policy_json`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        hazardloop_fuzz::policy_json(text);
    }
});
