//! A school's ledger as it arrives from outside: an XLSX with the 13 common Chinese headers.
//! Shared by the import tests and the import benchmark (`#[path]`-included there).

#![allow(dead_code, unreachable_pub)]

use std::path::Path;

/// The common ledger headers, in their usual order.
pub const HEADERS: [&str; 13] = [
    "序号",
    "排查时间",
    "隐患部位",
    "隐患描述",
    "隐患等级",
    "整改措施",
    "责任部门",
    "责任人",
    "整改时限",
    "整改情况",
    "验收人",
    "验收时间",
    "销号时间",
];

/// Row `i`: even rows closed in 2024, odd rows open (deadline long past).
pub fn ledger_row(i: usize) -> [String; 13] {
    let day = 1 + (i % 27) as u32;
    let closed = i.is_multiple_of(2);
    let s = |t: &str| t.to_owned();
    [
        (i + 1).to_string(),
        format!("2024-03-{day:02} 09:00"),
        format!("教学楼{}层{}室", i % 6 + 1, i),
        format!("扶手松动{i}：第{i}处扶手螺栓松动"),
        s("一般"),
        s("紧固螺栓"),
        s("后勤管理处"),
        s("孙师傅"),
        format!("2024-04-{day:02}"),
        if closed { s("已整改") } else { String::new() },
        if closed { s("周检查员") } else { String::new() },
        if closed { format!("2024-04-{day:02} 10:00") } else { String::new() },
        if closed { format!("2024-04-{day:02} 16:00") } else { String::new() },
    ]
}

/// Writes a ledger of `rows` rows to `path`.
pub fn write_xlsx(path: &Path, rows: usize) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        for (c, cell) in ledger_row(i).iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(i as u32 + 1, c as u16, cell).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}
