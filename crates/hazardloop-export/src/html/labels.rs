//! Category labels under a chart's slots, wrapped so that neighbours never overlap: each
//! label gets its slot's width and as many lines as it needs, up to [`MAX_LINES`].

use crate::width::display_width;

/// Pixels of a wide (Chinese) character at the labels' 13-pixel font; a narrow one is about
/// half, rounded up so an estimate never runs into the next slot.
const WIDE_PX: u32 = 14;

/// Pixels per label line.
pub(crate) const LINE_PX: u32 = 16;

/// The most lines a label takes; a longer one ends in `…`.
pub(crate) const MAX_LINES: usize = 3;

fn px(text: &str) -> u32 {
    let narrow = u32::try_from(display_width(text)).unwrap_or(u32::MAX);
    narrow.saturating_mul(WIDE_PX).div_ceil(2)
}

/// Words to wrap at: a Chinese character stands alone, other runs go up to a space.
fn tokens(label: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in label.chars() {
        if c.is_whitespace() || display_width(&c.to_string()) == 2 {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if !c.is_whitespace() {
                out.push(c.to_string());
            } else if let Some(last) = out.last_mut() {
                last.push(' ');
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// `label` in lines no wider than `slot` pixels less a small gap, at most [`MAX_LINES`].
pub(crate) fn wrap(label: &str, slot: u32) -> Vec<String> {
    let room = slot.saturating_sub(6).max(WIDE_PX);
    let mut lines: Vec<String> = vec![String::new()];
    for token in tokens(label) {
        // A token wider than the room is split by character.
        let pieces: Vec<String> = if px(token.trim_end()) > room {
            token.chars().map(String::from).collect()
        } else {
            vec![token]
        };
        for piece in pieces {
            let current = lines.last().map(String::as_str).unwrap_or_default();
            if !current.is_empty() && px(format!("{current}{piece}").trim_end()) > room {
                lines.push(String::new());
            }
            if let Some(line) = lines.last_mut() {
                line.push_str(&piece);
            }
        }
    }
    let mut lines: Vec<String> = lines.into_iter().map(|l| l.trim_end().to_owned()).collect();
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        if let Some(last) = lines.last_mut() {
            last.pop();
            last.push('…');
        }
    }
    lines
}

/// The lines the tallest label needs.
pub(crate) fn lines_needed(labels: &[String], slot: u32) -> usize {
    labels.iter().map(|l| wrap(l, slot).len()).max().unwrap_or(1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_fits_its_slot_line_by_line() {
        let lines = wrap("消防安全与危险化学品管理", 80);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| px(l) <= 74), "{lines:?}");
        assert_eq!(lines.concat(), "消防安全与危险化学品管理");
    }

    #[test]
    fn english_wraps_between_words_and_long_labels_end_in_an_ellipsis() {
        assert_eq!(wrap("fire safety", 60), ["fire", "safety"]);
        let long = wrap(&"很".repeat(40), 60);
        assert_eq!(long.len(), MAX_LINES);
        assert!(long.last().is_some_and(|l| l.ends_with('…')));
    }
}
