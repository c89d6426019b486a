//! Fuzz target: CSV rows through the CLI import's row parser, accepted rows decided (see
//! `hazardloop_fuzz::import_csv`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hazardloop_fuzz::import_csv(data);
});
