//! Output: aligned text for people, stable JSON for harnesses, CSV for sheets.

use chrono_tz::Tz;
use hazardloop_core::engine::Outcome;
use hazardloop_core::model::{Lang, Named};
use hazardloop_core::org::Org;
use hazardloop_core::report::{CellContext, Column, StatsTable};
use hazardloop_core::store::LedgerPage;
use serde_json::{json, Value};

use crate::args::OutputFormat;

/// Collects what a command prints.
#[derive(Debug)]
pub struct Out {
    /// The format.
    pub format: OutputFormat,
    /// The language.
    pub lang: Lang,
    /// The time zone times are shown in.
    pub tz: Tz,
    /// The text printed.
    pub text: String,
}

fn zh(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

impl Out {
    /// An empty output.
    pub fn new(format: OutputFormat, lang: Lang, tz: Tz) -> Out {
        Out { format, lang, tz, text: String::new() }
    }

    fn json(&mut self, value: Value) {
        self.text += &serde_json::to_string_pretty(&value).unwrap_or_default();
        self.text.push('\n');
    }

    /// Appends a line of text (table and csv formats).
    pub fn line(&mut self, line: impl AsRef<str>) {
        self.text += line.as_ref();
        self.text.push('\n');
    }

    /// A plain message (`init`, `org`).
    pub fn message(&mut self, command: &str, message: &str, extra: Value) {
        match self.format {
            OutputFormat::Json => {
                let mut v = json!({ "ok": true, "command": command, "message": message });
                if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
                    obj.extend(more);
                }
                self.json(v);
            }
            _ => self.line(message),
        }
    }

    /// The result of a step.
    pub fn outcome(&mut self, command: &str, outcome: &Outcome) {
        let stage = outcome.stage;
        let events: Vec<&str> = outcome.events.iter().map(|r| r.event.type_name()).collect();
        match self.format {
            OutputFormat::Json => self.json(json!({
                "ok": true,
                "command": command,
                "hazard": outcome.hazard.to_string(),
                "number": outcome.ledger.number,
                "version": outcome.version,
                "stage": stage,
                "events": events,
                "replayed": outcome.replayed,
            })),
            _ => {
                let lang = self.lang;
                let (id, number) = (outcome.hazard, outcome.ledger.number.as_deref());
                self.line(match (lang, number) {
                    (Lang::Zh, Some(n)) => format!(
                        "隐患 {n}（{id}）  当前状态：{}（版本 {}）",
                        stage.name(lang),
                        outcome.version
                    ),
                    (Lang::Zh, None) => {
                        format!(
                            "隐患 {id}  当前状态：{}（版本 {}）",
                            stage.name(lang),
                            outcome.version
                        )
                    }
                    (Lang::En, Some(n)) => format!(
                        "hazard {n} ({id})  stage: {} (version {})",
                        stage.name(lang),
                        outcome.version
                    ),
                    (Lang::En, None) => {
                        format!(
                            "hazard {id}  stage: {} (version {})",
                            stage.name(lang),
                            outcome.version
                        )
                    }
                })
            }
        }
    }

    /// A ledger page.
    pub fn ledger(&mut self, page: &LedgerPage, org: &Org) {
        let cx = CellContext::new(self.lang, self.tz).with_org(org);
        match self.format {
            OutputFormat::Json => self.json(json!({
                "ok": true,
                "total": page.total,
                "total_capped": page.total_capped,
                "rows": page.rows,
            })),
            OutputFormat::Csv => {
                self.text.push('\u{feff}');
                let mut w = csv_writer();
                let _ = w.write_record(Column::ALL.iter().map(|c| c.header(self.lang)));
                for (i, row) in page.rows.iter().enumerate() {
                    let _ = w.write_record(row.record(i + 1, &cx));
                }
                self.text +=
                    &String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
            }
            _ => {
                let mut cols = vec![
                    Column::Id,
                    Column::DiscoveredAt,
                    Column::Unit,
                    Column::Location,
                    Column::Grade,
                    Column::Deadline,
                    Column::Stage,
                    Column::Overdue,
                ];
                // Hazards raised by an inspection show where they came from (occurrence#item).
                if page.rows.iter().any(|r| r.finding.is_some()) {
                    cols.push(Column::Inspection);
                }
                let header: Vec<String> =
                    cols.iter().map(|c| c.header(self.lang).to_owned()).collect();
                let rows: Vec<Vec<String>> = page
                    .rows
                    .iter()
                    .map(|r| cols.iter().map(|&c| r.cell(c, &cx)).collect())
                    .collect();
                self.table(&header, &rows);
                // A capped count reads "at least": 共 1050+ 条 / total 1050+.
                let plus = if page.total_capped { "+" } else { "" };
                self.line(format!("{} {}{plus}", zh(self.lang, "共", "total"), page.total));
            }
        }
    }

    /// The statistics table.
    pub fn stats(&mut self, period: &str, table: &StatsTable) {
        let lang = self.lang;
        let headers = [
            zh(lang, "单位", "unit"),
            zh(lang, "发现", "found"),
            zh(lang, "已整改", "rectified"),
            zh(lang, "按期", "on time"),
            zh(lang, "未整改", "open"),
            zh(lang, "逾期", "overdue"),
            zh(lang, "重大", "major"),
            zh(lang, "整改率", "rate"),
        ];
        let pct =
            |r: Option<f64>| r.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0));
        let mut rows: Vec<Vec<String>> = table
            .rows()
            .map(|u| {
                let s = &u.total;
                vec![
                    format!("{}{}", "  ".repeat(u.depth), u.name),
                    s.discovered.to_string(),
                    s.rectified.to_string(),
                    s.rectified_on_time.to_string(),
                    s.open.to_string(),
                    s.overdue.to_string(),
                    s.major.to_string(),
                    pct(s.rectification_rate),
                ]
            })
            .collect();
        let t = &table.total;
        rows.push(vec![
            zh(lang, "合计", "total").into(),
            t.discovered.to_string(),
            t.rectified.to_string(),
            t.rectified_on_time.to_string(),
            t.open.to_string(),
            t.overdue.to_string(),
            t.major.to_string(),
            pct(t.rectification_rate),
        ]);
        match self.format {
            OutputFormat::Json => {
                self.json(json!({ "ok": true, "period": period, "table": table }))
            }
            OutputFormat::Csv => {
                self.text.push('\u{feff}');
                let mut w = csv_writer();
                let _ = w.write_record(headers);
                for r in &rows {
                    let _ = w.write_record(r);
                }
                self.text +=
                    &String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
            }
            _ => {
                self.line(period);
                let header: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
                self.table(&header, &rows);
            }
        }
    }

    /// A JSON value as the result (sweep, dispatch, verify, import).
    pub fn value(&mut self, command: &str, value: Value, human: String) {
        self.result(command, true, value, human);
    }

    /// A result that may report failure itself (`"ok": false`), as `import` does for bad rows.
    pub fn result(&mut self, command: &str, ok: bool, value: Value, human: String) {
        match self.format {
            OutputFormat::Json => {
                let mut v = json!({ "ok": ok, "command": command });
                if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), value) {
                    obj.extend(more);
                }
                self.json(v);
            }
            _ => self.line(human),
        }
    }

    /// Rows of cells: an aligned table (after the `title` lines) for people, CSV with a BOM, or
    /// `value` as the JSON document (with `"ok": true` and `"command"`).
    pub fn grid(
        &mut self,
        command: &str,
        title: &[String],
        header: &[String],
        rows: &[Vec<String>],
        value: Value,
    ) {
        match self.format {
            OutputFormat::Json => self.result(command, true, value, String::new()),
            OutputFormat::Csv => {
                self.text.push('\u{feff}');
                let mut w = csv_writer();
                let _ = w.write_record(header);
                for r in rows {
                    let _ = w.write_record(r);
                }
                self.text +=
                    &String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
            }
            _ => {
                for t in title {
                    self.line(t);
                }
                if !rows.is_empty() {
                    self.table(header, rows);
                }
            }
        }
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        let width = |s: &str| s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<usize>();
        let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
        for r in rows {
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(width(c));
            }
        }
        let render = |cells: &[String]| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c}{}", " ".repeat(widths[i].saturating_sub(width(c)))))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        };
        self.line(render(header));
        for r in rows {
            self.line(render(r));
        }
    }
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().from_writer(Vec::new())
}
