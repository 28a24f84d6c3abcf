//! The downloadable template.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{Cursor, Read};

use calamine::{Reader, Xlsx};
use support::vocab;
use ztc_exchange::{
    COLUMNS, DATA_SHEET, INSTRUCTIONS_SHEET, OPTIONS_SHEET, TEMPLATE_MARKER, VERSION_NAME, letter,
    template,
};

fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn the_template_opens_with_its_sheets_headers_and_marker() {
    let bytes = template(&vocab()).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.as_slice())).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec![DATA_SHEET, INSTRUCTIONS_SHEET, OPTIONS_SHEET]
    );
    let marker = wb
        .defined_names()
        .iter()
        .find(|(n, _)| n == VERSION_NAME)
        .map(|(_, v)| v.clone())
        .expect("defined name with the version");
    assert!(marker.contains(TEMPLATE_MARKER), "{marker}");

    let data = wb.worksheet_range(DATA_SHEET).unwrap();
    let headers: Vec<String> = data
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut want: Vec<&str> = COLUMNS.iter().map(|c| c.header).collect();
    want.push("更多知识产权");
    assert_eq!(headers, want);
    assert_eq!(data.height(), 1, "no data rows");
    assert_eq!(
        &headers[..4],
        ["成果名称", "技术领域（子领域）", "关键词", "成果简介"]
    );
    assert_eq!(headers[10], "知识产权（一）类型");
    assert_eq!(headers[37], "是否愿意参加路演（是/否）");

    let help = wb.worksheet_range(INSTRUCTIONS_SHEET).unwrap();
    let text: String = help
        .rows()
        .flatten()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains(TEMPLATE_MARKER));
    for (i, col) in COLUMNS.iter().enumerate() {
        assert!(
            text.contains(col.header),
            "填写说明 explains {}",
            col.header
        );
        let _ = letter(i);
    }
    for must in [
        "201710601862.3",
        "CN112345678A",
        "顿号（、）",
        "必填",
        "500 个字符",
    ] {
        assert!(text.contains(must), "填写说明 mentions {must}");
    }

    let options = wb.worksheet_range(OPTIONS_SHEET).unwrap();
    let values: Vec<String> = options.rows().flatten().map(|c| c.to_string()).collect();
    for v in [
        "1.5 人工智能",
        "国内领先",
        "中试",
        "发明专利",
        "已授权",
        "是",
        "否",
    ] {
        assert!(values.iter().any(|x| x == v), "选项 has {v}");
    }
    assert!(values.iter().any(|x| x.starts_with("6 ")), "TRL labels");
}

#[test]
fn controlled_columns_have_drop_downs_from_the_hidden_sheet() {
    let bytes = template(&vocab()).unwrap();
    let workbook = part(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains(r#"name="选项" sheetId="3" state="hidden""#),
        "{workbook}"
    );
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    let lists = sheet.matches(r#"type="list""#).count();
    // subfield, tech level, TRL, stage, 3 × (IP type, IP status), 3 × yes/no, source
    assert_eq!(lists, 14, "{sheet}");
    assert!(sheet.contains("'选项'!$A$2:$A$41"), "40 sub-fields");
    assert!(sheet.contains(r#"type="textLength""#), "length limits");
}

#[test]
fn the_template_imports_as_no_rows() {
    let bytes = template(&vocab()).unwrap();
    let e = ztc_exchange::parse_xlsx(&bytes, &vocab(), &Default::default()).unwrap_err();
    assert_eq!(e.code(), "no_rows");
    assert!(e.message().contains("没有可导入的数据行"));
}
