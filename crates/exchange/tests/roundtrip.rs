//! Exports re-import unchanged (.xlsx and CSV); masking; read-only columns.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use proptest::prelude::*;
use support::{csl, vocab};
use ztc_domain::achievement::{self, Details, Form, IpItem, IpStatus};
use ztc_domain::vocab::Vocabulary;
use ztc_exchange::{
    Batch, COLUMNS, DATA_SHEET, EXTRA_HEADERS, ExportOptions, ExportRow, Limits, export_csv,
    export_xlsx, parse_csv, parse_xlsx,
};

fn via_xlsx(details: &[Details], vocab: &Vocabulary) -> Batch {
    let rows: Vec<ExportRow> = details.iter().cloned().map(Into::into).collect();
    let bytes = export_xlsx(&rows, vocab, &ExportOptions::default()).unwrap();
    parse_xlsx(&bytes, vocab, &Limits::default()).unwrap()
}

fn via_csv(details: &[Details], vocab: &Vocabulary) -> Batch {
    let rows: Vec<ExportRow> = details.iter().cloned().map(Into::into).collect();
    let bytes = export_csv(&rows, vocab, &ExportOptions::default()).unwrap();
    parse_csv(&bytes, vocab, &Limits::default()).unwrap()
}

fn assert_same(batch: &Batch, details: &[Details]) {
    assert!(
        batch.is_clean(),
        "{:#?}",
        &batch.problems[..batch.problems.len().min(5)]
    );
    assert_eq!(batch.rows.len(), details.len());
    for (row, want) in batch.rows.iter().zip(details) {
        assert_eq!(row.valid(), Some(want), "row {}", row.number);
    }
}

#[test]
fn the_csl_library_round_trips_through_xlsx_and_csv() {
    let vocab = vocab();
    let records = csl::records();
    let details = csl::details(&records, &vocab, records.len(), 42);
    assert!(details.iter().any(|d| d.ip.len() == 3));
    assert!(details.iter().any(|d| d.ip.is_empty()));
    assert!(
        details
            .iter()
            .any(|d| d.technical.as_ref().unwrap().chars().count() > 500)
    );
    let x = via_xlsx(&details, &vocab);
    assert_eq!(x.template_version.as_deref(), Some("v1"));
    assert_same(&x, &details);
    let c = via_csv(&details, &vocab);
    assert_eq!(c.template_version, None);
    assert_same(&c, &details);
}

/// Awkward text: commas, quotes, line breaks, emoji, XML-looking escapes, leading
/// characters that spreadsheets read as formulas.
const AWKWARD: &[&str] = &[
    "逗号,逗号，分号;；",
    "双引号\"嵌套\"“中文引号”'单引号'",
    "换行\n第二行\r\n第三行",
    "表情😀🚀👩‍🔬🇨🇳",
    "<b>标签</b> &amp; & < >",
    "_x0041_ 与 _x000D_ 字面量",
    "=SUM(A1:A3)",
    "+86 138 0013 8000",
    "-40℃ 低温启动",
    "@提及",
    "'单引号开头",
    "制表\t符",
    "𠀀𪚥 扩展汉字",
];

fn awkward(records: &[csl::Record], vocab: &Vocabulary) -> Vec<Details> {
    let mut rng = csl::Rng::new(3);
    let mut out = Vec::new();
    for (n, text) in AWKWARD.iter().enumerate() {
        let mut f = csl::form(records, n, &mut rng);
        f.title = format!(
            "{}{}",
            csl::take(&text.replace(['\n', '\r', '\t'], " "), 60),
            n
        );
        f.summary = format!("{text}{}", csl::take(&f.summary, 400));
        f.technical = csl::take(&format!("{text}{}", f.technical.repeat(6)), 3000);
        f.advantages = (*text).to_owned();
        f.indicators = format!("{text}\n{text}");
        f.price_note = csl::take(&text.replace(['\n', '\r', '\t'], " "), 100);
        f.team = "成员：张三、李四,王五".into();
        f.statement[1] = (*text).to_owned();
        out.push(
            achievement::validate(&f, vocab, true).unwrap_or_else(|e| panic!("{text:?}: {e}")),
        );
    }
    // Every long field at its limit.
    let mut f = csl::form(records, 99, &mut rng);
    f.title = "长".repeat(achievement::limits::TITLE);
    f.summary = "简".repeat(achievement::limits::SUMMARY);
    f.technical = "技😀".repeat(achievement::limits::LONG / 2);
    f.advantages = "优".repeat(achievement::limits::MEDIUM);
    f.market_path = "路".repeat(achievement::limits::MEDIUM);
    f.applications = "应".repeat(achievement::limits::MEDIUM);
    f.indicators = "指".repeat(achievement::limits::MEDIUM);
    f.benefits = "效".repeat(achievement::limits::SHORT);
    f.team = "团".repeat(achievement::limits::SHORT);
    f.statement = vec!["条".repeat(achievement::limits::STATEMENT); 6];
    out.push(achievement::validate(&f, vocab, true).unwrap());
    assert_eq!(
        out.last()
            .unwrap()
            .technical
            .as_ref()
            .unwrap()
            .chars()
            .count(),
        3000
    );
    out
}

#[test]
fn awkward_text_round_trips() {
    let vocab = vocab();
    let records = csl::records();
    let details = awkward(&records, &vocab);
    assert_same(&via_xlsx(&details, &vocab), &details);
    assert_same(&via_csv(&details, &vocab), &details);
}

#[test]
fn csv_export_guards_formulas() {
    let vocab = vocab();
    let records = csl::records();
    let details = awkward(&records, &vocab);
    let rows: Vec<ExportRow> = details.iter().cloned().map(Into::into).collect();
    let bytes = export_csv(&rows, &vocab, &ExportOptions::default()).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut n = 0;
    for rec in rdr.records() {
        for cell in rec.unwrap().iter() {
            n += 1;
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "unguarded cell {cell:?}"
            );
        }
    }
    assert!(n > 100);
    assert!(text.contains("'=SUM(A1:A3)"));
    assert!(text.contains("'+86 138"));
}

#[test]
fn xlsx_export_writes_no_formula() {
    let vocab = vocab();
    let details = awkward(&csl::records(), &vocab);
    let rows: Vec<ExportRow> = details.iter().cloned().map(Into::into).collect();
    let bytes = export_xlsx(&rows, &vocab, &ExportOptions::default()).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.as_slice())).unwrap();
    let formulas = wb.worksheet_formula(DATA_SHEET).unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    let values = wb.worksheet_range(DATA_SHEET).unwrap();
    assert!(
        values.used_cells().any(|(_, _, v)| *v == "=SUM(A1:A3)"),
        "kept as text"
    );
}

#[test]
fn masking_hides_personal_data() {
    let vocab = vocab();
    let records = csl::records();
    let mut details = csl::details(&records, &vocab, 3, 5);
    details[0].contact_name = Some("张伟".into());
    details[0].contact_phone = Some("13800138000".into());
    details[0].contact_email = Some("zhangwei@example.edu.cn".into());
    details[1].contact_name = Some("欧阳明远".into());
    details[1].contact_phone = Some("020-88886666".into());
    details[1].contact_email = None;
    let rows: Vec<ExportRow> = details.iter().cloned().map(Into::into).collect();
    let masked = ExportOptions {
        mask_personal: true,
    };

    let bytes = export_xlsx(&rows, &vocab, &masked).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.as_slice())).unwrap();
    let range = wb.worksheet_range(DATA_SHEET).unwrap();
    let col = |key: &str| COLUMNS.iter().position(|c| c.key == key).unwrap();
    let cell = |r: usize, key: &str| {
        range
            .get((r, col(key)))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    assert_eq!(cell(1, "contact_name"), "张**");
    assert_eq!(cell(1, "contact_phone"), "138****8000");
    assert_eq!(cell(1, "contact_email"), "z***@example.edu.cn");
    assert_eq!(cell(2, "contact_name"), "欧阳**");
    assert_eq!(cell(2, "contact_phone"), "020****6666");
    assert_eq!(cell(2, "contact_email"), "");
    assert_eq!(cell(1, "title"), details[0].title, "the rest is unchanged");
    let all: String = range
        .used_cells()
        .map(|(_, _, v)| v.to_string())
        .collect::<Vec<_>>()
        .join("|");
    for secret in ["张伟", "13800138000", "zhangwei@", "88886666", "欧阳明远"] {
        assert!(!all.contains(secret), "{secret} leaked");
    }

    let csv = String::from_utf8(export_csv(&rows, &vocab, &masked).unwrap()).unwrap();
    assert!(csv.contains("张**") && csv.contains("138****8000"));
    assert!(!csv.contains("13800138000") && !csv.contains("zhangwei@"));

    // Unmasked exports keep them.
    let plain =
        String::from_utf8(export_csv(&rows, &vocab, &ExportOptions::default()).unwrap()).unwrap();
    assert!(plain.contains("13800138000"));
}

#[test]
fn read_only_columns_are_appended_and_ignored_on_import() {
    let vocab = vocab();
    let records = csl::records();
    let mut details = csl::details(&records, &vocab, 2, 9);
    details[0].ip = (0..5)
        .map(|i| IpItem {
            kind: "software_copyright".into(),
            number: Some(format!("2020SR00000{i}")),
            title: format!("软件{i}"),
            status: IpStatus::Registered,
        })
        .collect();
    let rows = vec![
        ExportRow {
            details: details[0].clone(),
            status: Some("已入库".into()),
            holder: Some("某某大学".into()),
            region: Some("广东省广州市".into()),
            updated_at: Some("2026-11-20 10:00".into()),
        },
        ExportRow::from(details[1].clone()),
    ];
    let bytes = export_xlsx(&rows, &vocab, &ExportOptions::default()).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.as_slice())).unwrap();
    let range = wb.worksheet_range(DATA_SHEET).unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(&header[COLUMNS.len()..], EXTRA_HEADERS);
    let row1: Vec<String> = range
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        row1[COLUMNS.len()],
        "软件著作权｜软件3｜2020SR000003｜已登记\n软件著作权｜软件4｜2020SR000004｜已登记"
    );
    assert_eq!(
        &row1[COLUMNS.len() + 1..],
        ["已入库", "某某大学", "广东省广州市", "2026-11-20 10:00"]
    );

    // Every IP item comes back, the fourth and fifth from 更多知识产权.
    let b = parse_xlsx(&bytes, &vocab, &Limits::default()).unwrap();
    assert!(b.is_clean(), "{:#?}", b.problems);
    assert_eq!(b.rows[0].valid(), Some(&details[0]));
    assert_eq!(b.rows[1].valid(), Some(&details[1]));

    let csv = export_csv(&rows, &vocab, &ExportOptions::default()).unwrap();
    let c = parse_csv(&csv, &vocab, &Limits::default()).unwrap();
    assert_eq!(c.rows[0].valid(), Some(&details[0]));
}

/// Text drawn from a mix of CJK, emoji, punctuation and line breaks.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('\u{4e00}', '\u{9fa5}'),
            1 => proptest::char::range('a', 'z'),
            1 => proptest::sample::select(vec![
                ',', '，', '"', '“', '\'', '\n', '、', ';', '=', '+', '-', '@', '_', '&', '<',
                ' ', '😀', '🚀', '\t', '。', '（', ')',
            ]),
        ],
        1..max,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn single_line(s: String) -> String {
    let s = s.replace(['\n', '\t', '\r'], " ");
    if s.trim().is_empty() { "空".into() } else { s }
}

prop_compose! {
    fn achievement_form(records: std::sync::Arc<Vec<csl::Record>>)(
        seed in any::<u64>(),
        n in 0usize..1000,
        title in text(100),
        summary in text(500),
        technical in text(3000),
        note in text(100),
        team in text(1000),
        keywords in proptest::collection::vec(
            proptest::collection::vec(proptest::char::range('\u{4e00}', '\u{9fa5}'), 1..20)
                .prop_map(|v| v.into_iter().collect::<String>()),
            0..10,
        ),
    ) -> Form {
        let mut rng = csl::Rng::new(seed);
        let mut f = csl::form(&records, n, &mut rng);
        f.title = single_line(title);
        f.summary = summary;
        f.technical = technical;
        f.price_note = single_line(note);
        f.team = team;
        f.keywords = keywords.join("、");
        f
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn generated_achievements_round_trip(
        forms in proptest::collection::vec(
            achievement_form(std::sync::Arc::new(csl::records())), 1..6)
    ) {
        let vocab = vocab();
        let mut details: Vec<Details> = Vec::new();
        for f in &forms {
            if let Ok(d) = achievement::validate(f, &vocab, true) {
                // Titles must differ, or the later row is a duplicate.
                if !details.iter().any(|x| x.title == d.title) {
                    details.push(d);
                }
            }
        }
        prop_assume!(!details.is_empty());
        let x = via_xlsx(&details, &vocab);
        prop_assert!(x.is_clean(), "{:?}", x.problems);
        for (row, want) in x.rows.iter().zip(&details) {
            prop_assert_eq!(row.valid(), Some(want));
        }
        let c = via_csv(&details, &vocab);
        prop_assert!(c.is_clean(), "{:?}", c.problems);
        for (row, want) in c.rows.iter().zip(&details) {
            prop_assert_eq!(row.valid(), Some(want));
        }
    }
}
