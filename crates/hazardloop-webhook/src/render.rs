//! Markdown for the group robots, and cutting texts to a channel's byte limit.

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

/// `text` cut to at most `max` bytes on a character boundary, ending in `…` when cut.
pub(crate) fn cut(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let ellipsis = "…";
    let mut end = max.saturating_sub(ellipsis.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ellipsis}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutting_respects_the_byte_limit_and_character_boundaries() {
        let text = "隐患".repeat(1000);
        let cut = cut(text, 100);
        assert!(cut.len() <= 100, "{}", cut.len());
        assert!(cut.ends_with('…'));
        assert_eq!(super::cut("短".into(), 100), "短");
    }
}
