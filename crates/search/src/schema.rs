//! The tantivy schema and the mapping from [`SearchDoc`].

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};

use crate::doc::{Kind, SearchDoc};
use crate::tokenizer::normalize_token;

/// Name of the analyzer used for every text field (jieba, search mode).
pub const ZH: &str = "zh";

/// Field handles.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub kind: Field,
    pub title: Field,
    pub keywords: Field,
    pub summary: Field,
    pub applications: Field,
    pub holder_org: Field,
    pub technical: Field,
    /// The public text fields together (not stored): matching and a first,
    /// cheap ranking before the per-field scores of the best candidates.
    pub all_text: Field,
    /// Whole keywords, normalised, not tokenised: exact keyword matches.
    pub keyword_exact: Field,
    /// Whole titles and keywords of published documents: suggestions.
    pub suggest: Field,
    pub field: Field,
    pub subfield: Field,
    pub region: Field,
    pub status: Field,
    pub cooperation: Field,
    pub ip_type: Field,
    pub trl: Field,
    pub published: Field,
    pub created_at: Field,
    pub updated_at: Field,
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ZH)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let text_unstored = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ZH)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let code = STRING | FAST | STORED;
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", code.clone()),
        title: b.add_text_field("title", text.clone()),
        keywords: b.add_text_field("keywords", text.clone()),
        summary: b.add_text_field("summary", text.clone()),
        applications: b.add_text_field("applications", text.clone()),
        holder_org: b.add_text_field("holder_org", text.clone()),
        technical: b.add_text_field("technical", text),
        all_text: b.add_text_field("all_text", text_unstored),
        keyword_exact: b.add_text_field("keyword_exact", STRING),
        suggest: b.add_text_field("suggest", STRING),
        field: b.add_text_field("field", code.clone()),
        subfield: b.add_text_field("subfield", code.clone()),
        region: b.add_text_field("region", code.clone()),
        status: b.add_text_field("status", code.clone()),
        cooperation: b.add_text_field("cooperation", code.clone()),
        ip_type: b.add_text_field("ip_type", code),
        trl: b.add_u64_field("trl", INDEXED | FAST | STORED),
        published: b.add_u64_field("published", INDEXED | FAST | STORED),
        created_at: b.add_i64_field("created_at", INDEXED | FAST | STORED),
        updated_at: b.add_i64_field("updated_at", INDEXED | FAST | STORED),
    };
    (b.build(), fields)
}

/// Normalises a whole keyword or title for exact matching and suggestions:
/// normalised characters, inner whitespace collapsed, at most 64 characters.
pub fn exact_key(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    normalize_token(&joined).chars().take(64).collect()
}

impl Fields {
    /// The tantivy document for `d`.
    pub fn tantivy_doc(&self, d: &SearchDoc) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, &d.id);
        doc.add_text(self.kind, d.kind.code());
        doc.add_text(self.title, &d.title);
        for k in d.keywords.iter().filter(|k| !k.trim().is_empty()) {
            doc.add_text(self.keywords, k);
            doc.add_text(self.keyword_exact, exact_key(k));
        }
        doc.add_text(self.summary, &d.summary);
        doc.add_text(self.applications, &d.applications);
        doc.add_text(self.holder_org, &d.holder_org);
        doc.add_text(self.technical, &d.technical);
        for public in [&d.title, &d.summary, &d.applications, &d.holder_org]
            .into_iter()
            .chain(&d.keywords)
        {
            if !public.is_empty() {
                doc.add_text(self.all_text, public);
            }
        }
        if d.published {
            let title = exact_key(&d.title);
            if !title.is_empty() {
                doc.add_text(self.suggest, title);
            }
            for k in &d.keywords {
                let k = exact_key(k);
                if !k.is_empty() {
                    doc.add_text(self.suggest, k);
                }
            }
        }
        for (f, v) in [
            (self.field, &d.field),
            (self.subfield, &d.subfield),
            (self.region, &d.region),
            (self.status, &d.status),
        ] {
            if !v.is_empty() {
                doc.add_text(f, v);
            }
        }
        for c in &d.cooperation_modes {
            doc.add_text(self.cooperation, c);
        }
        for c in &d.ip_types {
            doc.add_text(self.ip_type, c);
        }
        doc.add_u64(self.trl, u64::from(d.trl.min(9)));
        doc.add_u64(self.published, u64::from(d.published));
        doc.add_i64(self.created_at, d.created_at);
        doc.add_i64(self.updated_at, d.updated_at);
        doc
    }

    /// Reads back the stored parts of a document.
    pub fn search_doc(&self, doc: &TantivyDocument) -> SearchDoc {
        let s = |f: Field| {
            doc.get_first(f)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let all = |f: Field| {
            doc.get_all(f)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        };
        let trl = doc
            .get_first(self.trl)
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        SearchDoc {
            id: s(self.id),
            kind: Kind::from_code(&s(self.kind)),
            title: s(self.title),
            keywords: all(self.keywords),
            summary: s(self.summary),
            applications: s(self.applications),
            holder_org: s(self.holder_org),
            technical: s(self.technical),
            field: s(self.field),
            subfield: s(self.subfield),
            region: s(self.region),
            trl: u8::try_from(trl).unwrap_or(0),
            cooperation_modes: all(self.cooperation),
            ip_types: all(self.ip_type),
            status: s(self.status),
            published: doc.get_first(self.published).and_then(|v| v.as_u64()) == Some(1),
            created_at: doc
                .get_first(self.created_at)
                .and_then(|v| v.as_i64())
                .unwrap_or(0),
            updated_at: doc
                .get_first(self.updated_at)
                .and_then(|v| v.as_i64())
                .unwrap_or(0),
        }
    }
}
