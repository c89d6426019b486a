//! JSON in stable, documented shapes.

use hazardloop_core::inspection::{InspectionLine, InspectionTally};
use hazardloop_core::model::Lang;
use hazardloop_core::report::{CellContext, Column, LedgerRow, StatsTable};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::ledger::code;
use crate::ExportError;

/// One column of the ledger JSON.
#[derive(Serialize)]
struct ColumnJson {
    code: String,
    header: &'static str,
}

/// One row: the cells keyed by column code, in column order.
struct RowJson<'a> {
    number: usize,
    row: &'a LedgerRow,
    cx: &'a CellContext<'a>,
}

impl Serialize for RowJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Column::ALL.len()))?;
        for column in Column::ALL {
            let text = match column {
                Column::Number => self.number.to_string(),
                _ => self.row.cell(column, self.cx),
            };
            map.serialize_entry(&code(column), &text)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct LedgerJson<'a> {
    lang: Lang,
    time_zone: &'a str,
    columns: Vec<ColumnJson>,
    rows: Vec<RowJson<'a>>,
}

/// The ledger (台账) as JSON, pretty-printed, in this shape:
///
/// ```json
/// {
///   "lang": "zh",
///   "time_zone": "Asia/Shanghai",
///   "columns": [{ "code": "number", "header": "序号" }, { "code": "id", "header": "隐患编号" }],
///   "rows": [{ "number": "1", "id": "0195…", "discovered_at": "2025-03-03 10:00" }]
/// }
/// ```
///
/// `columns` lists every column in [`Column::ALL`] order: its stable code (the serde name of
/// [`Column`]) and its header in the context's language. Each row object has one key per column
/// code, in that order, and its value is the cell text exactly as the CSV shows it (times in
/// `time_zone`, empty strings where the row has no value yet). For raw values, serialise the
/// [`LedgerRow`]s themselves.
pub fn ledger_json(rows: &[LedgerRow], cx: &CellContext<'_>) -> Result<Vec<u8>, ExportError> {
    let doc = LedgerJson {
        lang: cx.lang,
        time_zone: cx.time_zone.name(),
        columns: Column::ALL
            .iter()
            .map(|&c| ColumnJson { code: code(c), header: c.header(cx.lang) })
            .collect(),
        rows: rows.iter().enumerate().map(|(i, row)| RowJson { number: i + 1, row, cx }).collect(),
    };
    Ok(serde_json::to_vec_pretty(&doc)?)
}

/// The statistics table as JSON: the serde form of [`StatsTable`], pretty-printed. Reading it
/// back with `serde_json::from_slice::<StatsTable>` gives the same table; rates are fractions
/// from 0 to 1 and `null` without a denominator.
pub fn stats_json(table: &StatsTable) -> Result<Vec<u8>, ExportError> {
    Ok(serde_json::to_vec_pretty(table)?)
}

/// Figures with the rates computed from them.
#[derive(Serialize)]
struct TallyJson<'a> {
    tally: &'a InspectionTally,
    completion_rate: Option<f64>,
    findings_per_inspection: Option<f64>,
}

impl<'a> TallyJson<'a> {
    fn of(tally: &'a InspectionTally) -> TallyJson<'a> {
        TallyJson {
            tally,
            completion_rate: tally.completion_rate(),
            findings_per_inspection: tally.findings_per_inspection(),
        }
    }
}

#[derive(Serialize)]
struct InspectionLineJson<'a> {
    #[serde(flatten)]
    line: &'a InspectionLine,
    completion_rate: Option<f64>,
    findings_per_inspection: Option<f64>,
}

#[derive(Serialize)]
struct InspectionJson<'a> {
    lines: Vec<InspectionLineJson<'a>>,
    total: TallyJson<'a>,
}

/// The inspection statistics (检查统计) as JSON, pretty-printed, in this shape:
///
/// ```json
/// {
///   "lines": [
///     {
///       "unit": "school", "name": "第一中学", "depth": 1,
///       "tally": { "planned": 4, "completed": 2, "on_time": 1, "late": 1, "missed": 2,
///                  "excused": 0, "open": 0, "findings": 3 },
///       "completion_rate": 0.5, "findings_per_inspection": 1.5
///     }
///   ],
///   "total": { "tally": { "planned": 4, "…": 0 }, "completion_rate": 0.5, "findings_per_inspection": 1.5 }
/// }
/// ```
///
/// `lines` are the serde form of each [`InspectionLine`] (parents before their children, each
/// rolled up over its subtree) with its two rates added; `total` sums the top units as the
/// table's 总计 line does. Rates are fractions from 0 to 1 and `null` without a denominator.
pub fn inspection_json(lines: &[InspectionLine]) -> Result<Vec<u8>, ExportError> {
    let total = crate::inspection_layout::total_of(lines);
    let doc = InspectionJson {
        lines: lines
            .iter()
            .map(|line| InspectionLineJson {
                line,
                completion_rate: line.tally.completion_rate(),
                findings_per_inspection: line.tally.findings_per_inspection(),
            })
            .collect(),
        total: TallyJson::of(&total),
    };
    Ok(serde_json::to_vec_pretty(&doc)?)
}
