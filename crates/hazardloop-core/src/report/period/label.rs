//! Labels of a [`Period`] for headings, as schools write them (`2025年3月上半月`,
//! `first half of March 2025`).

use chrono::{Datelike, NaiveDate};

use super::{Period, PeriodKind};
use crate::model::Lang;

impl Period {
    /// A label for headings (`2025年3月上半月`, `first half of March 2025`).
    pub fn label(&self, lang: Lang) -> String {
        let (y, m) = (self.first.year(), self.first.month());
        match (self.kind, lang) {
            (PeriodKind::Year, Lang::Zh) => format!("{y}年"),
            (PeriodKind::Year, Lang::En) => y.to_string(),
            (PeriodKind::Month, Lang::Zh) => format!("{y}年{m}月"),
            (PeriodKind::Month, Lang::En) => self.first.format("%B %Y").to_string(),
            (PeriodKind::Quarter, Lang::Zh) => format!("{y}年第{}季度", (m - 1) / 3 + 1),
            (PeriodKind::Quarter, Lang::En) => format!("Q{} {y}", (m - 1) / 3 + 1),
            (PeriodKind::HalfMonth, Lang::Zh) => {
                format!("{y}年{m}月{}", if self.first.day() == 1 { "上半月" } else { "下半月" })
            }
            (PeriodKind::HalfMonth, Lang::En) => {
                let half = if self.first.day() == 1 { "first" } else { "second" };
                format!("{half} half of {}", self.first.format("%B %Y"))
            }
            (PeriodKind::Week, Lang::Zh) => {
                let w = self.first.iso_week();
                format!("{}年第{}周", w.year(), w.week())
            }
            (PeriodKind::Week, Lang::En) => {
                let w = self.first.iso_week();
                format!("week {} of {}", w.week(), w.year())
            }
            (PeriodKind::Custom, Lang::Zh) => {
                let d = |d: NaiveDate| format!("{}年{}月{}日", d.year(), d.month(), d.day());
                format!("{}至{}", d(self.first), d(self.last))
            }
            (PeriodKind::Custom, Lang::En) => {
                let d = |d: NaiveDate| d.format("%-d %B %Y").to_string();
                format!("{} to {}", d(self.first), d(self.last))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::p;
    use super::*;

    #[test]
    fn labels_read_as_schools_write_them() {
        assert_eq!(p("2025-03").label(Lang::Zh), "2025年3月");
        assert_eq!(p("2025-Q1").label(Lang::Zh), "2025年第1季度");
        assert_eq!(p("2025-03-H1").label(Lang::Zh), "2025年3月上半月");
        assert_eq!(p("2025-03-H2").label(Lang::Zh), "2025年3月下半月");
        assert_eq!(p("2025-W10").label(Lang::Zh), "2025年第10周");
        assert_eq!(p("2025").label(Lang::Zh), "2025年");
        assert_eq!(p("2025-03-01..2025-03-20").label(Lang::Zh), "2025年3月1日至2025年3月20日");
        assert_eq!(p("2025-03-H2").label(Lang::En), "second half of March 2025");
        assert_eq!(p("2025-Q1").label(Lang::En), "Q1 2025");
    }
}
