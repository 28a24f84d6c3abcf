//! Batch import and export of achievements (科技成果) as Excel (.xlsx) and CSV.
//!
//! # The format
//!
//! A workbook has three sheets:
//!
//! - **成果信息** — the data. Row 1 holds the Chinese headers of [`COLUMNS`], in their
//!   documented order (成果名称, 技术领域（子领域）, 关键词, 成果简介, …, three groups
//!   of 知识产权 type/name/number/status, …, 是否愿意参加路演（是/否）, then the six
//!   条件说明). Each following row is one achievement; empty rows are skipped.
//!   Controlled columns carry drop-down lists of Chinese labels (“1.5 人工智能”,
//!   “国内领先”, “6 系统/分系统原型在模拟使用环境中演示”, “已授权”, “是/否”).
//!   Imports accept labels or codes (trimmed, full-width characters folded), and
//!   是/否, Y/N, yes/no, 1/0. 意向合作方式 holds several labels separated by 、or ；.
//! - **填写说明** — explains every column (required for submission or not, limits,
//!   formats) and shows the template version.
//! - **选项** (hidden) — the lists the drop-downs refer to.
//!
//! The template version is the workbook's defined name `ZTC_TEMPLATE_VERSION`
//! (= `"ZTC-ACHIEVEMENT-TEMPLATE v1"`, also printed on 填写说明). An import refuses
//! another version; a workbook without a marker is accepted when its headers match.
//! Columns are found by header text, so extra columns (such as the read-only ones
//! an export appends: 状态, 持有单位, 地区, 更新时间) are ignored, but a missing or
//! renamed header is an error naming it. The column 更多知识产权 after the template's
//! columns holds IP items beyond the third, one per line (`类型｜名称｜号码｜状态`);
//! it is optional, so files made from older copies of the template still import.
//!
//! CSV has the same header row; it may be UTF-8 (with or without BOM) or GB18030/GBK
//! (what Excel on Chinese Windows writes).
//!
//! # Import
//!
//! [`parse_xlsx`] and [`parse_csv`] turn each data row into a [`Row`]: the
//! [`Form`](ztc_domain::achievement::Form) (labels turned into codes) and the
//! result of `achievement::validate(&form, vocab, true)` (a complete form is
//! required). Every problem is also listed as a [`Problem`] with its row, column
//! letter and Chinese header. Formula cells, cells with error values, duplicate
//! rows (same title and first IP number) and unknown values are row problems.
//! [`parse_xlsx_each`] and [`parse_csv_each`] hand the rows over one by one instead
//! of keeping them in a [`Batch`] (which holds about twice the file's text).
//! Whole-file problems are [`ExchangeError`]s with a stable code and a Chinese
//! message: not a spreadsheet, corrupt or truncated, password-protected, old .xls,
//! zip bomb (checked on the zip central directory before anything is
//! decompressed), too large, too many rows, other template version, missing sheet
//! or header. No input makes these functions panic.
//!
//! # Export
//!
//! [`export_xlsx`] writes the template with data rows, so that an export re-imports
//! to the same achievements; [`export_csv`] writes the same columns. Cells are
//! strings or numbers, never formulas; in CSV a value that a spreadsheet would run
//! as a formula (`= + - @`) gets a leading `'`, which [`parse_csv`] removes.
//! [`ExportOptions::mask_personal`] masks the contact (张**, 138****8000,
//! z***@example.cn).

mod columns;
mod error;
mod export;
mod import;
mod labels;
pub mod masking;
mod workbook;
mod zipcheck;

use ztc_domain::vocab::Vocabulary;

pub use columns::{COLUMNS, Column, EXTRA_HEADERS, Kind, Need, index_of, letter};
pub use error::{ExchangeError, Limits};
pub use export::{ExportOptions, ExportRow, export_csv, export_xlsx};
pub use import::{
    Batch, Problem, Row, Summary, parse_csv, parse_csv_each, parse_xlsx, parse_xlsx_each,
};

/// The data sheet.
pub const DATA_SHEET: &str = "成果信息";
/// The sheet that explains the columns.
pub const INSTRUCTIONS_SHEET: &str = "填写说明";
/// The hidden sheet with the drop-down lists.
pub const OPTIONS_SHEET: &str = "选项";
/// The version marker of this template.
pub const TEMPLATE_MARKER: &str = "ZTC-ACHIEVEMENT-TEMPLATE v1";
/// The start of every version marker.
pub const MARKER_PREFIX: &str = "ZTC-ACHIEVEMENT-TEMPLATE";
/// The workbook defined name that holds the marker.
pub const VERSION_NAME: &str = "ZTC_TEMPLATE_VERSION";

/// The empty template (.xlsx) to download and fill.
pub fn template(vocab: &Vocabulary) -> Result<Vec<u8>, ExchangeError> {
    let labels = labels::Labels::new(vocab);
    Ok(workbook::book(&labels, &[])?.save()?)
}
