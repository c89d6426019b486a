//! Fuzz target: a `Command` from JSON bytes, decided against the fixture's hazards at every
//! stage with the default policy (see `hazardloop_fuzz::command_json`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hazardloop_fuzz::command_json(data);
});
