//! The CLI tests' one harness: a school in a fresh database, driven through the built binary.

#![allow(dead_code, unreachable_pub)]

pub mod ledger;

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

/// The school's people: (id, name, unit, role); 孙师傅 (`sun`) of logistics has no role.
pub const PEOPLE: [(&str, &str, &str, &str); 5] = [
    ("zhang", "张安全员", "school/security", "safety_officer"),
    ("qian", "钱处长", "school/logistics", "department_head"),
    ("zhou", "周检查员", "school", "inspector"),
    ("wang", "王校长", "school", "principal"),
    ("zheng", "郑科长", "bureau", "bureau_officer"),
];

/// A database in a directory of its own (removed with it).
pub struct Db {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Db {
    /// An empty database.
    pub fn empty() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hazardloop.db");
        Db { dir, path }
    }

    /// 第一中学 under 区教育局, with [`PEOPLE`] and 孙师傅.
    pub fn school() -> Db {
        let db = Db::empty();
        db.ok(&["init", "--school", "第一中学", "--bureau", "区教育局"]);
        for (id, name, unit, role) in PEOPLE {
            db.ok(&["org", "add-person", id, "--name", name, "--unit", unit, "--role", role]);
        }
        db.ok(&["org", "add-person", "sun", "--name", "孙师傅", "--unit", "school/logistics"]);
        db
    }

    /// The path as text, for commands that take it.
    pub fn path_str(&self) -> String {
        self.path.display().to_string()
    }

    /// A file beside the database.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs the binary with `--db` (and `--format json` when `json`): exit code, stdout, stderr.
    pub fn raw(&self, args: &[&str], json: bool) -> (i32, String, String) {
        let mut command = Command::cargo_bin("hazardloop").unwrap();
        command.arg("--db").arg(&self.path);
        if json {
            command.args(["--format", "json"]);
        }
        let output = command.args(args).output().unwrap();
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (output.status.code().unwrap_or(-1), text(output.stdout), text(output.stderr))
    }

    /// Runs the binary with `--format json` unless given: exit code, JSON, stderr.
    pub fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let (code, stdout, stderr) = self.raw(args, !args.contains(&"--format"));
        (code, serde_json::from_str(&stdout).unwrap_or(Value::Null), stderr)
    }

    /// Runs the binary in JSON and expects success.
    pub fn ok(&self, args: &[&str]) -> Value {
        let (code, json, err) = self.run(args);
        assert_eq!(code, 0, "{args:?} failed: {err} {json}");
        assert_eq!(json["ok"], true, "{json}");
        json
    }

    /// Runs the binary in its table format and expects success: stdout.
    pub fn text(&self, args: &[&str]) -> String {
        let (code, out, err) = self.raw(args, false);
        assert_eq!(code, 0, "{args:?} failed: {err}");
        out
    }
}
