//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod csl;

use rust_xlsxwriter::{Formula, Workbook};
use ztc_domain::vocab::Vocabulary;
use ztc_exchange::{COLUMNS, DATA_SHEET, INSTRUCTIONS_SHEET, TEMPLATE_MARKER, VERSION_NAME};

pub fn vocab() -> Vocabulary {
    Vocabulary::builtin().expect("builtin vocabulary")
}

/// A cell written by the hand-made workbooks of the tests.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Number(f64),
    Formula(String),
}

pub fn t(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// How a hand-made workbook marks its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker<'a> {
    None,
    DefinedName(&'a str),
    InstructionsCell(&'a str),
}

/// A workbook with the data sheet `sheet`, the given header row and data rows of
/// (header, cell) pairs.
pub fn workbook(
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<(&str, Cell)>],
    marker: Marker<'_>,
) -> Vec<u8> {
    let mut wb = Workbook::new();
    if let Marker::DefinedName(m) = marker {
        wb.define_name(VERSION_NAME, &format!("=\"{m}\"")).unwrap();
    }
    let ws = wb.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (h, cell) in row {
            let c = headers
                .iter()
                .position(|x| x == h)
                .unwrap_or_else(|| panic!("no header {h}")) as u16;
            let r = r as u32 + 1;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                Cell::Number(n) => ws.write_number(r, c, *n).map(|_| ()),
                Cell::Formula(f) => ws.write_formula(r, c, Formula::new(f)).map(|_| ()),
            }
            .unwrap();
        }
    }
    if let Marker::InstructionsCell(m) = marker {
        let ws = wb.add_worksheet();
        ws.set_name(INSTRUCTIONS_SHEET).unwrap();
        ws.write_string(0, 0, "填写说明").unwrap();
        ws.write_string(1, 0, format!("模板版本：{m}（请勿修改）"))
            .unwrap();
    }
    wb.save_to_buffer().unwrap()
}

pub fn headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.header).collect()
}

/// A workbook in the template's layout with the current marker.
pub fn sheet(rows: &[Vec<(&str, Cell)>]) -> Vec<u8> {
    workbook(
        DATA_SHEET,
        &headers(),
        rows,
        Marker::DefinedName(TEMPLATE_MARKER),
    )
}

/// A complete row as a person fills it in: labels, 是/否, numbers.
pub fn good_row(title: &str) -> Vec<(&'static str, Cell)> {
    vec![
        ("成果名称", t(title)),
        ("技术领域（子领域）", t("5.2 新能源汽车装置、配件制造")),
        ("关键词", t("固态电池、电解质；锂电池")),
        ("成果简介", t("一种硫化物固态电解质，离子电导率高。")),
        ("技术内容与创新点", t("采用掺杂改性，\n提高界面稳定性。")),
        ("与现有方案相比的优势", t("较液态电解质安全性提高。")),
        ("技术水平", t("国内领先")),
        ("技术就绪水平", Cell::Number(6.0)),
        ("成果所处阶段", t("中试")),
        ("知识产权（一）类型", t("发明专利")),
        ("知识产权（一）名称", t("一种固态电解质及其制备方法")),
        ("知识产权（一）号码", t("ZL 201710601862.3")),
        ("知识产权（一）状态", t("已授权")),
        ("知识产权（二）类型", t("软件著作权")),
        ("知识产权（二）名称", t("电池管理软件 V1.0")),
        ("知识产权（二）号码", t("2020SR123456")),
        ("知识产权（二）状态", t("已登记")),
        ("拥有独立自主知识产权（是/否）", t("是")),
        ("无侵权纠纷（是/否）", t("Y")),
        ("意向合作方式", t("技术许可、合作开发")),
        ("期望价格下限（万元）", Cell::Number(50.0)),
        ("期望价格上限（万元）", t("120.5")),
        ("转化路径", t("先中试，再与电池企业合作开发。")),
        ("应用场景与市场前景", t("动力电池、储能。")),
        ("成果来源", t("自主研发")),
        ("联系人", t("张伟")),
        ("联系电话", Cell::Number(13800138000.0)),
        ("电子邮箱", t("zhangwei@example.edu.cn")),
        ("是否愿意参加路演（是/否）", t("是")),
    ]
}

/// The row with one cell replaced (or added).
pub fn with(
    mut row: Vec<(&'static str, Cell)>,
    header: &'static str,
    cell: Cell,
) -> Vec<(&'static str, Cell)> {
    row.retain(|(h, _)| *h != header);
    row.push((header, cell));
    row
}
