//! How wide text shows in a spreadsheet column: Chinese characters take two columns.

/// Whether `c` is shown double width (East Asian wide or fullwidth, and emoji).
fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD)
}

/// The display width of `text` in columns of a narrow character: the widest line, with wide
/// characters counted twice.
pub(crate) fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum())
        .max()
        .unwrap_or(0)
}

/// Fits column widths to their widest text, within Excel-friendly bounds.
#[derive(Clone, Debug)]
pub(crate) struct Widths {
    widths: Vec<usize>,
    max: Vec<usize>,
}

impl Widths {
    /// `columns` columns, none wider than `max` characters.
    pub(crate) fn new(columns: usize, max: usize) -> Widths {
        Widths { widths: vec![0; columns], max: vec![max; columns] }
    }

    /// Column `col` no wider than `max` characters: its text wraps beyond.
    pub(crate) fn cap(&mut self, col: usize, max: usize) {
        if let Some(m) = self.max.get_mut(col) {
            *m = max;
        }
    }

    /// Notes a width in characters for column `col` (a number or a date shown formatted).
    pub(crate) fn fit_chars(&mut self, col: usize, chars: usize) {
        if let Some(w) = self.widths.get_mut(col) {
            *w = (*w).max(chars);
        }
    }

    /// Each column's width in Excel's units, with a character of padding.
    pub(crate) fn excel(&self) -> impl Iterator<Item = (u16, f64)> + '_ {
        self.widths.iter().zip(&self.max).enumerate().map(|(i, (w, max))| {
            let chars = (*w).clamp(4, (*max).max(4)) + 1;
            (u16::try_from(i).unwrap_or(u16::MAX), chars as f64)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_characters_count_double() {
        assert_eq!(display_width("隐患编号"), 8);
        assert_eq!(display_width("No."), 3);
        assert_eq!(display_width("第1周"), 5);
        assert_eq!(display_width("（注）"), 6);
    }

    #[test]
    fn the_widest_line_decides() {
        assert_eq!(display_width("ab\n灭火器过期"), 10);
        assert_eq!(display_width(""), 0);
    }
}
