//! Chinese segmentation shared by indexing and queries.
//!
//! One [`Segmenter`] (a jieba dictionary behind a lock) serves every
//! tokenizer clone that tantivy makes, so adding a term with
//! [`Segmenter::add_terms`] changes segmentation everywhere at once and no
//! clone copies the dictionary. Tokens are lower-cased (full-width Latin
//! letters and digits folded to ASCII first) and tokens without a letter or
//! digit (spaces, punctuation) are dropped.

use std::sync::{Arc, OnceLock, RwLock};

use jieba_rs::{Jieba, TokenizeMode};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Built-in technical terms (one a line, `#` comments), added at open.
pub const STARTER_TERMS: &str = include_str!("../data/terms.txt");

/// The shared jieba dictionary.
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<RwLock<Jieba>>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Segmenter")
    }
}

/// Terms from [`STARTER_TERMS`].
pub fn starter_terms() -> impl Iterator<Item = &'static str> {
    STARTER_TERMS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Segmenter {
    /// jieba's built-in dictionary plus the starter terms.
    pub fn new() -> Self {
        static BASE: OnceLock<Jieba> = OnceLock::new();
        let base = BASE.get_or_init(|| {
            let seg = Segmenter::bare();
            seg.add_terms(starter_terms());
            seg.into_jieba()
        });
        Segmenter::from_jieba(base.clone())
    }

    /// jieba's built-in dictionary only (for comparisons in tests).
    pub fn bare() -> Self {
        static BASE: OnceLock<Jieba> = OnceLock::new();
        Segmenter::from_jieba(BASE.get_or_init(Jieba::new).clone())
    }

    fn from_jieba(jieba: Jieba) -> Self {
        Segmenter {
            jieba: Arc::new(RwLock::new(jieba)),
        }
    }

    fn into_jieba(self) -> Jieba {
        match Arc::try_unwrap(self.jieba) {
            Ok(lock) => lock.into_inner().unwrap_or_else(|p| p.into_inner()),
            Err(shared) => match shared.read() {
                Ok(j) => j.clone(),
                Err(p) => p.into_inner().clone(),
            },
        }
    }

    /// Adds words to the dictionary; blank entries and entries longer than 32
    /// characters are ignored. Returns how many were added.
    pub fn add_terms<'a>(&self, terms: impl IntoIterator<Item = &'a str>) -> usize {
        let mut jieba = match self.jieba.write() {
            Ok(j) => j,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut n = 0;
        for term in terms {
            let term = term.trim();
            let len = term.chars().count();
            if len == 0 || len > 32 || term.chars().any(char::is_whitespace) {
                continue;
            }
            jieba.add_word(term, None, None);
            n += 1;
        }
        n
    }

    /// Tokens of `text` (normalised, punctuation dropped), with byte offsets
    /// into `text` and character positions.
    pub fn tokens(&self, text: &str, search_mode: bool) -> Vec<Token> {
        let jieba = match self.jieba.read() {
            Ok(j) => j,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mode = if search_mode {
            TokenizeMode::Search
        } else {
            TokenizeMode::Default
        };
        // Full-width Latin letters and digits are folded before segmentation
        // (so ＣＲＩＳＰＲ is one word, like CRISPR); offsets still point into `text`.
        let folded = fold_width(text);
        let (input, map) = match &folded {
            Some((f, m)) => (f.as_str(), Some(m)),
            None => (text, None),
        };
        let original = |b: usize| map.and_then(|m| m.get(b).copied()).unwrap_or(b);
        let mut out = Vec::new();
        for t in jieba.tokenize(input, mode, true) {
            if !t.word.chars().any(char::is_alphanumeric) {
                continue;
            }
            out.push(Token {
                offset_from: original(t.byte_start),
                offset_to: original(t.byte_end),
                position: t.start,
                text: normalize_token(t.word),
                position_length: (t.end - t.start).max(1),
            });
        }
        // Search mode emits a word's parts before the word; tantivy's snippet
        // code (and phrase positions) expect tokens in text order.
        out.sort_by_key(|t| (t.offset_from, t.offset_to));
        out
    }

    /// Token texts only.
    pub fn words(&self, text: &str, search_mode: bool) -> Vec<String> {
        self.tokens(text, search_mode)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    /// A tantivy tokenizer over this dictionary.
    pub fn tokenizer(&self, search_mode: bool) -> ZhTokenizer {
        ZhTokenizer {
            seg: self.clone(),
            search_mode,
        }
    }
}

impl Default for Segmenter {
    fn default() -> Self {
        Segmenter::new()
    }
}

/// `text` with full-width ASCII and the ideographic space folded to ASCII,
/// and for every byte offset of the result the offset in `text`; `None`
/// when there is nothing to fold.
fn fold_width(text: &str) -> Option<(String, Vec<usize>)> {
    let wide = |c: char| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}');
    if !text.chars().any(wide) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        let folded = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        for _ in 0..folded.len_utf8() {
            map.push(at);
        }
        out.push(folded);
    }
    map.push(text.len());
    Some((out, map))
}

/// Lower-cases and folds full-width ASCII (`ＡＢＣ１２` → `abc12`).
pub fn normalize_token(word: &str) -> String {
    word.chars().flat_map(fold_char).collect()
}

/// One character of [`normalize_token`]: full-width ASCII folded, then
/// lower-cased (which may give more than one character).
pub fn fold_char(c: char) -> std::char::ToLowercase {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
    .to_lowercase()
}

/// The tantivy side of [`Segmenter`].
#[derive(Clone)]
pub struct ZhTokenizer {
    seg: Segmenter,
    search_mode: bool,
}

/// Tokens computed up front.
pub struct ZhTokenStream {
    tokens: Vec<Token>,
    index: usize,
    empty: Token,
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = ZhTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ZhTokenStream {
        ZhTokenStream {
            tokens: self.seg.tokens(text, self.search_mode),
            index: 0,
            empty: Token::default(),
        }
    }
}

impl TokenStream for ZhTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        self.tokens
            .get(self.index.wrapping_sub(1))
            .unwrap_or(&self.empty)
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.tokens.get_mut(self.index.wrapping_sub(1)) {
            Some(t) => t,
            None => &mut self.empty,
        }
    }
}
