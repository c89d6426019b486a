//! Markdown for the group robots, and splitting texts into parts within a channel's byte limit.

use hazardloop_core::model::Lang;
use hazardloop_core::notify::Delivery;

/// A delivery as markdown: the subject as a heading, then each notice's subject in bold and
/// its lines. `line_break` is what the channel renders as a new line.
pub(crate) fn markdown(delivery: &Delivery, tz: chrono_tz::Tz, line_break: &str) -> String {
    let mut out = format!("### {}{line_break}", delivery.subject());
    let to = match delivery.lang {
        Lang::Zh => format!("> 致：{}", delivery.to.name),
        Lang::En => format!("> To: {}", delivery.to.name),
    };
    out.push_str(&to);
    for notice in &delivery.notices {
        out.push_str(line_break);
        out.push_str(line_break);
        out.push_str(&format!("**{}**", notice.subject(delivery.lang)));
        for line in notice.body(delivery.lang, tz).lines() {
            out.push_str(line_break);
            out.push_str(line);
        }
    }
    out
}

/// Bytes kept free in each part for its `（i/n）` marker.
pub(crate) const MARKER_BYTES: usize = 24;

/// `text` in consecutive pieces that each measure at most `max` (by `measure`, e.g. bytes, or
/// bytes once JSON-escaped), cut after a line where it can and on a character boundary where a
/// line alone is too long. The pieces joined are `text`. Always at least one piece.
pub(crate) fn pieces(text: &str, max: usize, measure: impl Fn(&str) -> usize) -> Vec<String> {
    let max = max.max(8);
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        let mut candidate = current.clone();
        candidate.push_str(line);
        if measure(&candidate) <= max {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        // The line alone, a character at a time when it does not fit either.
        for c in line.chars() {
            current.push(c);
            if measure(&current) > max {
                current.pop();
                out.push(std::mem::replace(&mut current, c.to_string()));
            }
        }
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

/// Part `i` (from 1) of `n`, marked when there are several.
pub(crate) fn marked(piece: &str, i: usize, n: usize) -> String {
    if n <= 1 {
        piece.to_string()
    } else {
        format!("{piece}\n\n（{i}/{n}）")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_fit_the_limit_and_join_to_the_whole_text() {
        let text = format!("标题\n{}\n{}\n结尾", "隐患".repeat(3000), "短行\n".repeat(50));
        let parts = pieces(&text, 1000, str::len);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.len() <= 1000 && !p.is_empty()), "{:?}", parts.len());
        assert_eq!(parts.concat(), text, "nothing lost, nothing repeated, in order");
        assert_eq!(pieces("短", 1000, str::len), vec!["短".to_string()]);
    }
}
