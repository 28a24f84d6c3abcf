//! Highlighting without re-segmenting documents: every query word is looked
//! up as a substring of the text (case- and width-folded), matches are
//! wrapped in `<mark>`, and everything else is HTML-escaped.

use std::ops::Range;

use crate::tokenizer::fold_char;

/// Characters in a passage.
pub const PASSAGE_CHARS: usize = 80;
/// Characters shown before the first match of a passage.
const LEAD_CHARS: usize = 12;

/// Escapes text for HTML (`&`, `<`, `>`, `"`, `'`).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Byte ranges of `text` where one of `words` (already normalised) occurs,
/// sorted and merged.
pub fn find(text: &str, words: &[String]) -> Vec<Range<usize>> {
    // Most text (Chinese, lower-case Latin) folds to itself: search it directly.
    if !text.chars().any(folds) {
        let mut ranges: Vec<Range<usize>> = Vec::new();
        for w in words.iter().filter(|w| !w.is_empty()) {
            ranges.extend(
                text.match_indices(w.as_str())
                    .map(|(start, m)| start..start + m.len()),
            );
        }
        return merged(ranges);
    }
    let mut folded = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        if c.is_ascii() {
            map.push(at);
            folded.push(c.to_ascii_lowercase());
            continue;
        }
        for f in fold_char(c) {
            for _ in 0..f.len_utf8() {
                map.push(at);
            }
            folded.push(f);
        }
    }
    map.push(text.len());
    let original = |b: usize| map.get(b).copied().unwrap_or(text.len());
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for w in words.iter().filter(|w| !w.is_empty()) {
        for (start, m) in folded.match_indices(w.as_str()) {
            ranges.push(original(start)..original(start + m.len()));
        }
    }
    merged(ranges)
}

/// Whether [`fold_char`] changes `c`.
fn folds(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_uppercase()
    } else {
        ('\u{FF01}'..='\u{FF5E}').contains(&c) || c.is_uppercase()
    }
}

/// Ranges sorted, overlapping ones joined.
fn merged(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// `text[window]` escaped, with `marks` (inside the window) in `<mark>`.
fn render(text: &str, window: Range<usize>, marks: &[Range<usize>]) -> String {
    let mut html = String::with_capacity(window.len() + 32);
    let mut at = window.start;
    for m in marks {
        let (start, end) = (m.start.max(at), m.end.min(window.end));
        if start >= end {
            continue;
        }
        html.push_str(&escape_html(text.get(at..start).unwrap_or_default()));
        html.push_str("<mark>");
        html.push_str(&escape_html(text.get(start..end).unwrap_or_default()));
        html.push_str("</mark>");
        at = end;
    }
    html.push_str(&escape_html(text.get(at..window.end).unwrap_or_default()));
    html
}

/// The whole text, escaped, with matches marked.
pub fn whole(text: &str, words: &[String]) -> String {
    render(text, 0..text.len(), &find(text, words))
}

/// The passage of about [`PASSAGE_CHARS`] characters with the most matched
/// text, escaped and marked, with `…` where text was cut; `None` when
/// nothing matches.
pub fn passage(text: &str, words: &[String]) -> Option<String> {
    let marks = find(text, words);
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let char_at = |byte: usize| starts.partition_point(|&s| s < byte);
    let byte_at = |ch: usize| starts.get(ch).copied().unwrap_or(text.len());
    let mut best: Option<(usize, Range<usize>)> = None;
    for m in &marks {
        let first = char_at(m.start).saturating_sub(LEAD_CHARS);
        let window = byte_at(first)..byte_at(first + PASSAGE_CHARS);
        let covered: usize = marks
            .iter()
            .map(|r| {
                r.end
                    .min(window.end)
                    .saturating_sub(r.start.max(window.start))
            })
            .sum();
        if best.as_ref().is_none_or(|(c, _)| covered > *c) {
            best = Some((covered, window));
        }
    }
    let (_, window) = best?;
    let mut html = String::new();
    if window.start > 0 {
        html.push('…');
    }
    html.push_str(&render(text, window.clone(), &marks));
    if window.end < text.len() {
        html.push('…');
    }
    Some(html)
}

/// The first [`PASSAGE_CHARS`] characters, escaped.
pub fn head(text: &str) -> String {
    let cut: String = text.chars().take(PASSAGE_CHARS).collect();
    let more = cut.len() < text.len();
    let mut html = escape_html(&cut);
    if more {
        html.push('…');
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, words: &[&str]) -> Vec<&'static str> {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        find(text, &words)
            .into_iter()
            .map(|r| &*text[r].to_owned().leak())
            .collect()
    }

    #[test]
    fn finds_words_in_text_that_folds_to_itself() {
        assert_eq!(marked("锂电池bms均衡", &["电池", "bms"]), ["电池bms"]);
        assert_eq!(marked("电池与电池组", &["电池"]), ["电池", "电池"]);
        assert!(marked("石墨烯", &["电池"]).is_empty());
    }

    #[test]
    fn finds_words_in_upper_case_and_full_width_text() {
        assert_eq!(marked("锂电池 BMS 均衡", &["bms"]), ["BMS"]);
        assert_eq!(
            marked("ＣＲＩＳＰＲ基因编辑", &["crispr"]),
            ["ＣＲＩＳＰＲ"]
        );
        assert_eq!(
            marked("Crispr 与 crispr", &["crispr"]),
            ["Crispr", "crispr"]
        );
    }

    #[test]
    fn escapes_and_marks() {
        let words = vec!["bms".to_owned()];
        assert_eq!(
            whole("<b>BMS</b>", &words),
            "&lt;b&gt;<mark>BMS</mark>&lt;/b&gt;"
        );
    }
}
