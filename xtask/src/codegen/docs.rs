//! Model documentation (HTML) to short Rust doc comments.

/// Longest doc text we keep, in characters, before cutting at a sentence or word boundary.
const MAX_DOC: usize = 400;

/// Strips HTML, keeps the first paragraph, shortens it and escapes what rustdoc would misread.
/// Returns `None` when nothing is left.
pub fn summarize(html: &str) -> Option<String> {
    // First paragraph: up to the first `</p>` (or the whole text when there is none).
    let first = match html.find("</p>") {
        Some(end) => html.get(..end).unwrap_or(html),
        None => html,
    };
    let mut text = String::new();
    let mut in_code = false;
    let mut rest = first;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let end = rest.find('>').unwrap_or(rest.len() - 1);
            let tag = rest.get(1..end).unwrap_or("").trim().to_ascii_lowercase();
            let name = tag.split_whitespace().next().unwrap_or("");
            match name {
                "code" | "/code" => {
                    text.push('`');
                    in_code = name == "code";
                }
                "li" | "br" | "br/" => text.push(' '),
                _ => {}
            }
            rest = rest.get(end + 1..).unwrap_or("");
            continue;
        }
        if c == '&'
            && let Some(semi) = rest.find(';').filter(|&i| i <= 8)
        {
            let ent = rest.get(..=semi).unwrap_or("");
            let rep = match ent {
                "&lt;" => Some('<'),
                "&gt;" => Some('>'),
                "&amp;" => Some('&'),
                "&quot;" => Some('"'),
                "&apos;" | "&#39;" => Some('\''),
                "&nbsp;" => Some(' '),
                _ => None,
            };
            if let Some(r) = rep {
                push_escaped(&mut text, r, in_code);
                rest = rest.get(semi + 1..).unwrap_or("");
                continue;
            }
        }
        push_escaped(&mut text, c, in_code);
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    if in_code {
        text.push('`');
    }
    // Collapse whitespace; drop empty code spans.
    let mut collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed = collapsed.replace("``", "");
    let collapsed = collapsed.trim().to_string();
    if collapsed.is_empty() {
        return None;
    }
    Some(shorten(&collapsed))
}

fn push_escaped(out: &mut String, c: char, in_code: bool) {
    if in_code {
        if c == '`' {
            out.push('\'');
        } else {
            out.push(c);
        }
        return;
    }
    match c {
        '[' | ']' | '*' | '_' | '<' | '>' | '\\' | '#' => {
            out.push('\\');
            out.push(c);
        }
        '`' => out.push('\''),
        _ => out.push(c),
    }
}

/// Cuts at the last sentence end (or word) before `MAX_DOC` characters, keeping code spans closed.
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_DOC {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX_DOC).collect();
    let mut end = cut.rfind(". ").map(|i| i + 1).filter(|&i| i > MAX_DOC / 3);
    if end.is_none() {
        end = cut.rfind(' ');
    }
    let mut s = cut
        .get(..end.unwrap_or(cut.len()))
        .unwrap_or(&cut)
        .trim_end()
        .to_string();
    // Do not leave a dangling backslash escape or an unbalanced code span.
    while s.ends_with('\\') {
        s.pop();
    }
    if s.matches('`').count() % 2 == 1 {
        s.push('`');
    }
    if !s.ends_with('.') {
        s.push_str(" ...");
    }
    s
}

/// Wraps `text` into `///` lines of at most `width` characters (after `indent`).
pub fn doc_lines(text: &str, indent: &str) -> String {
    let width = 96usize.saturating_sub(indent.len());
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.len() + 1 + word.len() > width && !starts_block(word) {
            out.push_str(&format!("{indent}/// {line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{indent}/// {line}\n"));
    }
    out
}

/// Would a line starting with `word` open a Markdown list or a heading?
fn starts_block(word: &str) -> bool {
    let list_marker = matches!(word, "-" | "+" | "*" | "=" | "|")
        || word.starts_with("---")
        || word.starts_with("===");
    let numbered = word.len() > 1
        && word.trim_end_matches(['.', ')']).len() < word.len()
        && word
            .trim_end_matches(['.', ')'])
            .chars()
            .all(|c| c.is_ascii_digit());
    list_marker || numbered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_html_and_keeps_first_paragraph() {
        let s = summarize("<p>Signs <code>USER</code> in [x] &lt;y&gt;.</p><p>second</p>");
        assert_eq!(s.as_deref(), Some("Signs `USER` in \\[x\\] \\<y\\>."));
        assert_eq!(summarize("<p></p>"), None);
    }
}
