//! The OpenAPI document checked by a validator nobody here wrote: `openapi-spec-validator`
//! (PyPI), which `.ci/run` installs. Without it the test says so and passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn the_openapi_document_is_valid_openapi_3_1() {
    let has_validator = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_validator {
        eprintln!("skipped: python3 with openapi-spec-validator is not installed (pip install openapi-spec-validator)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi.json");
    let text = hazardloop_server::openapi::document().to_pretty_json().unwrap();
    std::fs::write(&path, text).unwrap();
    let script = "import sys\n\
        from openapi_spec_validator import validate\n\
        from openapi_spec_validator.readers import read_from_filename\n\
        spec, _ = read_from_filename(sys.argv[1])\n\
        validate(spec)\n\
        assert spec['openapi'].startswith('3.1'), spec['openapi']\n\
        print('valid', len(spec['paths']))\n";
    let out = Command::new("python3").arg("-c").arg(script).arg(&path).output().unwrap();
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the validator refused the document:\n{stdout}\n{stderr}");
    assert!(stdout.starts_with("valid "), "{stdout}");
}
