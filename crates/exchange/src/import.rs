//! Reading a filled template (.xlsx or CSV) into validated rows.

use std::collections::HashMap;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, Reader, Xlsx, XlsxError};
use ztc_domain::achievement::{self, Details, Form};
use ztc_domain::text::{FieldError, Invalid};
use ztc_domain::vocab::Vocabulary;

use crate::columns::{
    COLUMNS, Kind, MORE_IP, MORE_IP_HEADER, MORE_IP_SEPARATOR, idx, index_of, letter,
    normalise_header,
};
use crate::error::{ExchangeError, Limits};
use crate::labels::{Labels, normalise, yes_no};
use crate::zipcheck::{self, Sniff};
use crate::{DATA_SHEET, INSTRUCTIONS_SHEET, MARKER_PREFIX, TEMPLATE_MARKER, VERSION_NAME};

/// One data row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The spreadsheet row number (1-based; the header is row 1).
    pub number: u32,
    /// The cells as read, with labels turned into codes.
    pub form: Form,
    /// The validated achievement (complete form required), or every problem of the
    /// row, including those of the file (formulas, duplicates).
    pub details: Result<Details, Invalid>,
}

impl Row {
    /// The achievement when the row has no problem.
    pub fn valid(&self) -> Option<&Details> {
        self.details.as_ref().ok()
    }
}

/// One problem, located by row and column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Spreadsheet row number (1-based).
    pub row: u32,
    /// Column letter in the uploaded file, e.g. `D`.
    pub column: String,
    /// The Chinese header of that column, e.g. `成果简介`.
    pub header: String,
    /// Stable code, e.g. `field_too_long`, `formula_cell`, `duplicate_row`.
    pub code: String,
    /// Chinese message, e.g. `成果简介不能超过 500 个字符（现有 512 个）`.
    pub message: String,
}

/// The rows of one file and their problems.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Non-empty data rows, in file order.
    pub rows: Vec<Row>,
    /// Every problem of every row, in row order.
    pub problems: Vec<Problem>,
    /// The template version found in the file (`v1`), `None` for CSV or a workbook
    /// without a marker (accepted when its headers match).
    pub template_version: Option<String>,
}

impl Batch {
    /// The rows without problems, with their achievements.
    pub fn valid_rows(&self) -> impl Iterator<Item = (&Row, &Details)> {
        self.rows
            .iter()
            .filter_map(|r| r.details.as_ref().ok().map(|d| (r, d)))
    }

    /// True when every row is valid.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.rows.iter().all(|r| r.details.is_ok())
    }
}

fn mark(key: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(code, message).on(key)
}

const FORMULA_MESSAGE: &str = "单元格含有公式，请粘贴为数值";

/// What a streamed import ([`parse_xlsx_each`], [`parse_csv_each`]) found besides
/// the rows it handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Non-empty data rows read.
    pub rows: usize,
    /// Rows without problems.
    pub valid: usize,
    /// Every problem of every row, in row order.
    pub problems: Vec<Problem>,
    /// As in [`Batch::template_version`].
    pub template_version: Option<String>,
}

/// Gathers rows: maps headers to columns, turns cells into forms, validates, and
/// hands each row to `sink`.
struct Collector<'a, S: FnMut(Row)> {
    vocab: &'a Vocabulary,
    limits: &'a Limits,
    labels: Labels,
    /// File column → index in `COLUMNS`.
    map: Vec<Option<usize>>,
    /// Index in `COLUMNS` → column letter in the file.
    letters: Vec<String>,
    ready: bool,
    count: usize,
    valid: usize,
    sink: S,
    problems: Vec<Problem>,
    seen: HashMap<(String, String), u32>,
}

impl<'a, S: FnMut(Row)> Collector<'a, S> {
    fn new(vocab: &'a Vocabulary, limits: &'a Limits, sink: S) -> Self {
        Collector {
            vocab,
            limits,
            labels: Labels::new(vocab),
            map: Vec::new(),
            letters: Vec::new(),
            ready: false,
            count: 0,
            valid: 0,
            sink,
            problems: Vec::new(),
            seen: HashMap::new(),
        }
    }

    /// Finds every template column in the header row.
    fn set_header(&mut self, header: &[(u32, String)]) -> Result<(), ExchangeError> {
        let mut letters = Vec::with_capacity(COLUMNS.len());
        let width = header
            .iter()
            .map(|(c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut map = vec![None; width];
        let found: Vec<(u32, String)> = header
            .iter()
            .map(|(c, h)| (*c, normalise_header(h)))
            .collect();
        for (i, col) in COLUMNS.iter().enumerate() {
            let want = normalise_header(col.header);
            let Some((c, _)) = found.iter().find(|(_, h)| *h == want) else {
                return Err(ExchangeError::MissingHeader {
                    header: col.header,
                    column: letter(i),
                });
            };
            if let Some(slot) = map.get_mut(*c as usize)
                && slot.is_none()
            {
                *slot = Some(i);
            }
            letters.push(letter(*c as usize));
        }
        // The optional column of further IP items (an export writes it when needed).
        let want = normalise_header(MORE_IP_HEADER);
        match found.iter().find(|(_, h)| *h == want) {
            Some((c, _)) => {
                if let Some(slot) = map.get_mut(*c as usize)
                    && slot.is_none()
                {
                    *slot = Some(MORE_IP);
                }
                letters.push(letter(*c as usize));
            }
            None => letters.push(letter(MORE_IP)),
        }
        self.map = map;
        self.letters = letters;
        self.ready = true;
        Ok(())
    }

    fn slot(&self, file_col: u32) -> Option<usize> {
        self.map.get(file_col as usize).copied().flatten()
    }

    fn problem(&self, row: u32, e: &FieldError) -> Problem {
        let i = locate(e);
        Problem {
            row,
            column: self.letters.get(i).cloned().unwrap_or_else(|| letter(i)),
            header: COLUMNS
                .get(i)
                .map_or(MORE_IP_HEADER, |c| c.header)
                .to_owned(),
            code: e.code.clone(),
            message: e.message.clone(),
        }
    }

    /// Adds one data row (`cells` indexed like `COLUMNS`); empty rows are skipped.
    fn add_row(
        &mut self,
        number: u32,
        mut cells: Vec<String>,
        marks: Vec<FieldError>,
    ) -> Result<(), ExchangeError> {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        if self.count >= self.limits.max_rows {
            return Err(ExchangeError::TooManyRows {
                max: self.limits.max_rows,
            });
        }
        let mut errors = marks;
        let form = build_form(&mut cells, &self.labels, &mut errors);
        let validated = achievement::validate(&form, self.vocab, true);

        let key = duplicate_key(&form);
        if !key.0.is_empty() {
            match self.seen.get(&key) {
                Some(first) => errors.push(FieldError::new(
                    "duplicate_row",
                    format!(
                        "与第 {first} 行重复（成果名称和第一项知识产权号码相同），请删除重复的行"
                    ),
                )),
                None => {
                    self.seen.insert(key, number);
                }
            }
        }

        let details = match validated {
            Ok(d) if errors.is_empty() => Ok(d),
            Ok(_) => Err(Invalid(errors)),
            Err(Invalid(v)) => {
                // A cell refused as such (formula, error value, unknown 是/否) is
                // the problem of its column: what validation says of the value
                // read there would only repeat it. 更多知识产权 holds several items,
                // so each keeps its own problems.
                let marked: Vec<usize> = errors.iter().map(locate).collect();
                errors.extend(v.into_iter().filter(|e| {
                    let c = locate(e);
                    c == MORE_IP || !marked.contains(&c)
                }));
                Err(Invalid(errors))
            }
        };
        match &details {
            Ok(_) => self.valid += 1,
            Err(inv) => {
                for e in &inv.0 {
                    let p = self.problem(number, e);
                    self.problems.push(p);
                }
            }
        }
        self.count += 1;
        (self.sink)(Row {
            number,
            form,
            details,
        });
        Ok(())
    }

    fn finish(self, template_version: Option<String>) -> Result<Summary, ExchangeError> {
        if self.count == 0 {
            return Err(ExchangeError::NoRows);
        }
        Ok(Summary {
            rows: self.count,
            valid: self.valid,
            problems: self.problems,
            template_version,
        })
    }
}

/// The column a domain error concerns.
fn locate(e: &FieldError) -> usize {
    let Some(field) = e.field.as_deref() else {
        return idx("title");
    };
    if let Some(i) = index_of(field) {
        return i;
    }
    if let Some(n) = field.strip_prefix("ip_")
        && n.chars().all(|c| c.is_ascii_digit())
    {
        if n.parse::<usize>().is_ok_and(|n| n > IP_GROUPS) {
            return MORE_IP;
        }
        let part = if e.code.starts_with("patent_") || e.message.contains("登记号") {
            "number"
        } else if e.code == "choice_invalid" {
            "type"
        } else {
            "title"
        };
        if let Some(i) = index_of(&format!("ip_{n}_{part}")) {
            return i;
        }
    }
    idx("title")
}

/// Title and first IP number, normalised: two rows with the same key describe the
/// same achievement whoever holds it.
fn duplicate_key(form: &Form) -> (String, String) {
    let title: String = normalise(&form.title)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let number = form
        .ip_number
        .iter()
        .find(|n| !n.trim().is_empty())
        .map(|n| {
            let n: String = n
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '.')
                .collect::<String>()
                .to_uppercase();
            n.strip_prefix("ZL").map(str::to_owned).unwrap_or(n)
        })
        .unwrap_or_default();
    (title, number)
}

/// Turns the cells of one row into the form; labels become codes. Values that are
/// not understood are kept as they are, so that validation names them.
fn build_form(cells: &mut [String], labels: &Labels, errors: &mut Vec<FieldError>) -> Form {
    let more_ip = cells
        .get_mut(MORE_IP)
        .map(std::mem::take)
        .unwrap_or_default();
    let mut f = Form::default();
    let mut ip_type = vec![String::new(); 3];
    let mut ip_title = vec![String::new(); 3];
    let mut ip_number = vec![String::new(); 3];
    let mut ip_status = vec![String::new(); 3];
    let mut statement = vec![String::new(); 6];
    for (i, col) in COLUMNS.iter().enumerate() {
        let raw = std::mem::take(&mut cells[i]);
        let value = match col.kind {
            Kind::Choice(list) => match labels.code(list, &raw) {
                Some(code) => code.to_owned(),
                None => raw,
            },
            Kind::Trl => labels.trl(&raw).unwrap_or(raw),
            Kind::IpStatus => {
                if raw.trim().is_empty() {
                    String::new()
                } else if let Some(code) = labels.code("ip_status", &raw) {
                    code.to_owned()
                } else {
                    errors.push(mark(
                        col.key,
                        "choice_invalid",
                        format!(
                            "{}请从列表中选择（已授权、申请中、已登记、其他）",
                            col.header
                        ),
                    ));
                    raw
                }
            }
            Kind::YesNo => match yes_no(&raw) {
                Ok(Some(true)) => "yes".to_owned(),
                Ok(Some(false)) => "no".to_owned(),
                Ok(None) => String::new(),
                Err(()) => {
                    errors.push(mark(
                        col.key,
                        "yes_no_invalid",
                        format!("“{}”请填写“是”或“否”", col.header),
                    ));
                    raw
                }
            },
            Kind::Modes => {
                let code = |m: &str| labels.code("cooperation_modes", m).map(str::to_owned);
                for piece in raw.split(['、', '；', ';', '，', ',', '/', '\n']) {
                    let piece = piece.trim();
                    if piece.is_empty() {
                        continue;
                    }
                    // A whole piece, or several separated by spaces.
                    match code(piece) {
                        Some(c) => f.cooperation_modes.push(c),
                        None => f.cooperation_modes.extend(
                            piece
                                .split_whitespace()
                                .map(|m| code(m).unwrap_or_else(|| m.to_owned())),
                        ),
                    }
                }
                continue;
            }
            Kind::Text | Kind::Multiline | Kind::Keywords | Kind::Price => raw,
        };
        match col.key {
            "title" => f.title = value,
            "subfield" => f.subfield = value,
            "keywords" => f.keywords = value,
            "summary" => f.summary = value,
            "technical" => f.technical = value,
            "advantages" => f.advantages = value,
            "indicators" => f.indicators = value,
            "tech_level" => f.tech_level = value,
            "trl" => f.trl = value,
            "stage" => f.stage = value,
            "independent_ip" => f.independent_ip = value,
            "no_dispute" => f.no_dispute = value,
            "price_min" => f.price_min = value,
            "price_max" => f.price_max = value,
            "price_note" => f.price_note = value,
            "market_path" => f.market_path = value,
            "applications" => f.applications = value,
            "benefits" => f.benefits = value,
            "source" => f.source = value,
            "project_number" => f.project_number = value,
            "team" => f.team = value,
            "contact_name" => f.contact_name = value,
            "contact_phone" => f.contact_phone = value,
            "contact_email" => f.contact_email = value,
            "willing_to_present" => f.willing_to_present = value,
            key => {
                if let Some(rest) = key.strip_prefix("ip_") {
                    let (n, part) = rest.split_once('_').unwrap_or((rest, ""));
                    let n: usize = n.parse().unwrap_or(1);
                    let target = match part {
                        "type" => &mut ip_type,
                        "title" => &mut ip_title,
                        "number" => &mut ip_number,
                        _ => &mut ip_status,
                    };
                    if let Some(slot) = target.get_mut(n.saturating_sub(1)) {
                        *slot = value;
                    }
                } else if let Some(n) = key.strip_prefix("statement_") {
                    let n: usize = n.parse().unwrap_or(1);
                    if let Some(slot) = statement.get_mut(n.saturating_sub(1)) {
                        *slot = value;
                    }
                }
            }
        }
    }
    // Further IP items, one per line: 类型｜名称｜号码｜状态.
    for (i, line) in more_ip
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let mut parts = line.split([MORE_IP_SEPARATOR, '|']).map(str::trim);
        let mut next = || parts.next().unwrap_or_default().to_owned();
        let (kind, title, number, status) = (next(), next(), next(), next());
        ip_type.push(labels.code("ip_types", &kind).map_or(kind, str::to_owned));
        ip_title.push(title);
        ip_number.push(number);
        if status.is_empty() {
            ip_status.push(String::new());
        } else if let Some(code) = labels.code("ip_status", &status) {
            ip_status.push(code.to_owned());
        } else {
            errors.push(mark(
                &format!("ip_{}", IP_GROUPS + i + 1),
                "choice_invalid",
                format!(
                    "{MORE_IP_HEADER}第 {} 行的状态请填写已授权、申请中、已登记或其他",
                    i + 1
                ),
            ));
            ip_status.push(status);
        }
    }
    f.ip_type = ip_type;
    f.ip_title = ip_title;
    f.ip_number = ip_number;
    f.ip_status = ip_status;
    f.statement = statement;
    f
}

/// The IP groups of the template (ip_1 … ip_3).
const IP_GROUPS: usize = 3;

/// The cells of one parsed row: the template's columns, then 更多知识产权.
const CELLS: usize = COLUMNS.len() + 1;

/// The key of a cell slot (for cell-level problems and number formatting).
fn key_of(slot: usize) -> &'static str {
    COLUMNS.get(slot).map_or("ip_more", |c| c.key)
}

// ---------------------------------------------------------------------------
// .xlsx

fn collect(
    parse: impl FnOnce(&mut dyn FnMut(Row)) -> Result<Summary, ExchangeError>,
) -> Result<Batch, ExchangeError> {
    let mut rows = Vec::new();
    let summary = parse(&mut |r| rows.push(r))?;
    Ok(Batch {
        rows,
        problems: summary.problems,
        template_version: summary.template_version,
    })
}

/// Reads a filled template (.xlsx). File-level problems are errors; row problems
/// are in the [`Batch`]. Never panics.
///
/// The batch holds every row (its form and its achievement): about twice the text
/// of the file. For very large files, [`parse_xlsx_each`] hands rows over one by one.
pub fn parse_xlsx(
    bytes: &[u8],
    vocab: &Vocabulary,
    limits: &Limits,
) -> Result<Batch, ExchangeError> {
    collect(|sink| parse_xlsx_each(bytes, vocab, limits, sink))
}

/// Like [`parse_xlsx`], but hands each row to `on_row` as soon as it is read and
/// keeps only the problems. A file-level error may still come after some rows
/// (too many rows, damage further on): stage the rows and keep them only when
/// this returns `Ok`.
pub fn parse_xlsx_each(
    bytes: &[u8],
    vocab: &Vocabulary,
    limits: &Limits,
    mut on_row: impl FnMut(Row),
) -> Result<Summary, ExchangeError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(ExchangeError::TooLarge {
            size: bytes.len() as u64,
            max: limits.max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(ExchangeError::Empty);
    }
    match zipcheck::sniff(bytes) {
        Sniff::Zip => {}
        Sniff::Ole { encrypted: true } => return Err(ExchangeError::Encrypted),
        Sniff::Ole { encrypted: false } => return Err(ExchangeError::LegacyXls),
        Sniff::Other => return Err(ExchangeError::NotSpreadsheet),
    }
    zipcheck::inspect(bytes, limits)?;
    // The reader is third-party code fed with untrusted bytes: a panic in it is a
    // corrupt file, not a crash of the server. A panic of the caller's `on_row`
    // is the caller's and goes on.
    let in_caller = std::cell::Cell::new(false);
    let sink = |row: Row| {
        in_caller.set(true);
        on_row(row);
        in_caller.set(false);
    };
    match catch_unwind(AssertUnwindSafe(|| read_xlsx(bytes, vocab, limits, sink))) {
        Ok(result) => result,
        Err(payload) if in_caller.get() => std::panic::resume_unwind(payload),
        Err(_) => Err(ExchangeError::corrupt("reader panicked")),
    }
}

fn open_error(e: XlsxError) -> ExchangeError {
    match e {
        XlsxError::Password => ExchangeError::Encrypted,
        e => ExchangeError::corrupt(e),
    }
}

/// The template version: the defined name, or the line on the sheet 填写说明.
fn template_version(wb: &mut Xlsx<Cursor<&[u8]>>) -> Result<Option<String>, ExchangeError> {
    let mut marker = wb
        .defined_names()
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(VERSION_NAME))
        .map(|(_, value)| {
            value
                .trim()
                .trim_start_matches('=')
                .trim_matches('"')
                .trim()
                .to_owned()
        });
    if marker.is_none() && wb.sheet_names().iter().any(|n| n == INSTRUCTIONS_SHEET) {
        // Small sheet; read a few cells only.
        if let Ok(range) = wb.worksheet_range(INSTRUCTIONS_SHEET) {
            marker = range.rows().take(5).flatten().find_map(|c| {
                let s = c.to_string();
                let at = s.find(MARKER_PREFIX)?;
                let rest = &s[at..];
                let end = rest
                    .find(|c: char| (c.is_whitespace() && c != ' ') || "（(，,。".contains(c))
                    .unwrap_or(rest.len());
                Some(rest[..end].trim().to_owned())
            });
        }
    }
    match marker {
        None => Ok(None),
        Some(m) if m == TEMPLATE_MARKER => Ok(Some(version_of(&m))),
        Some(m) => Err(ExchangeError::TemplateVersion {
            found: if m.is_empty() {
                "未知版本".to_owned()
            } else {
                m.chars().take(60).collect()
            },
            expected: TEMPLATE_MARKER,
        }),
    }
}

fn version_of(marker: &str) -> String {
    marker
        .strip_prefix(MARKER_PREFIX)
        .unwrap_or(marker)
        .trim()
        .to_owned()
}

/// A cell's text, and the problem of the cell if it has one.
fn cell_text(v: &DataRef<'_>, key: &str) -> (String, Option<FieldError>) {
    match v {
        DataRef::Empty => (String::new(), None),
        DataRef::String(s) => (s.clone(), None),
        DataRef::SharedString(s) => ((*s).to_owned(), None),
        DataRef::Int(i) => (i.to_string(), None),
        DataRef::Float(f) => (number_text(*f), None),
        DataRef::Bool(b) => ((if *b { "是" } else { "否" }).to_owned(), None),
        DataRef::DateTime(dt) => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            let text = if dt.is_duration() {
                number_text(dt.as_f64())
            } else if (hh, mm, ss) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            };
            (text, None)
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (s.clone(), None),
        DataRef::Error(e) => (
            String::new(),
            Some(mark(
                key,
                "cell_error",
                format!("单元格含有错误值（{e}），请改为文字或数值"),
            )),
        ),
    }
}

/// A number as a person would write it: `6`, `12.5`, `13800138000`.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn read_xlsx(
    bytes: &[u8],
    vocab: &Vocabulary,
    limits: &Limits,
    sink: impl FnMut(Row),
) -> Result<Summary, ExchangeError> {
    let mut wb: Xlsx<Cursor<&[u8]>> = Xlsx::new(Cursor::new(bytes)).map_err(open_error)?;
    let version = template_version(&mut wb)?;
    if !wb.sheet_names().iter().any(|n| n == DATA_SHEET) {
        return Err(ExchangeError::MissingSheet { sheet: DATA_SHEET });
    }
    let mut collector = Collector::new(vocab, limits, sink);
    let mut reader = wb
        .worksheet_cells_reader(DATA_SHEET)
        .map_err(ExchangeError::corrupt)?;
    let mut header: Vec<(u32, String)> = Vec::new();
    let mut current: Option<u32> = None;
    let mut cells = vec![String::new(); CELLS];
    let mut marks: Vec<FieldError> = Vec::new();
    while let Some(cell) = reader
        .next_cell_with_formula_metadata()
        .map_err(ExchangeError::corrupt)?
    {
        let (r, c) = cell.pos;
        if r == 0 {
            if collector.ready {
                return Err(ExchangeError::corrupt("rows out of order"));
            }
            header.push((c, cell_text(&cell.value, "").0));
            continue;
        }
        if !collector.ready {
            collector.set_header(&header)?;
        }
        match current {
            Some(cur) if cur == r => {}
            Some(cur) if r < cur => return Err(ExchangeError::corrupt("rows out of order")),
            Some(cur) => {
                let row = std::mem::replace(&mut cells, vec![String::new(); CELLS]);
                collector.add_row(cur + 1, row, std::mem::take(&mut marks))?;
                current = Some(r);
            }
            None => current = Some(r),
        }
        let Some(slot) = collector.slot(c) else {
            continue;
        };
        let key = key_of(slot);
        let (text, problem) = cell_text(&cell.value, key);
        if cell.formula.is_some() {
            marks.push(mark(key, "formula_cell", FORMULA_MESSAGE));
        }
        marks.extend(problem);
        cells[slot] = text;
    }
    if !collector.ready {
        collector.set_header(&header)?;
    }
    if let Some(cur) = current {
        collector.add_row(cur + 1, cells, marks)?;
    }
    drop(reader);
    collector.finish(version)
}

// ---------------------------------------------------------------------------
// CSV

/// Decodes CSV bytes: UTF-8 with or without BOM, else GB18030 (which covers GBK,
/// what Excel writes for “CSV（逗号分隔）” on Chinese Windows).
fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, ExchangeError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok(std::borrow::Cow::Borrowed(s));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(ExchangeError::CsvEncoding);
    }
    let (text, had_errors) = encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(body)
        .map(|t| (t, false))
        .unwrap_or((std::borrow::Cow::Borrowed(""), true));
    if had_errors {
        return Err(ExchangeError::CsvEncoding);
    }
    Ok(text)
}

/// Undoes the guard of [`crate::export_csv`]: a `'` before `= + - @` or `'`.
pub(crate) fn unguard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\'', '\t', '\r']) => rest,
        _ => s,
    }
}

/// Reads a CSV file with the template's header row. UTF-8 (with or without BOM)
/// or GB18030/GBK. A cell that starts with `=` is refused as a formula; write
/// `'=` to keep a leading `=`.
pub fn parse_csv(
    bytes: &[u8],
    vocab: &Vocabulary,
    limits: &Limits,
) -> Result<Batch, ExchangeError> {
    collect(|sink| parse_csv_each(bytes, vocab, limits, sink))
}

/// Like [`parse_csv`], but hands each row to `on_row` as soon as it is read (see
/// [`parse_xlsx_each`]).
pub fn parse_csv_each(
    bytes: &[u8],
    vocab: &Vocabulary,
    limits: &Limits,
    on_row: impl FnMut(Row),
) -> Result<Summary, ExchangeError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(ExchangeError::TooLarge {
            size: bytes.len() as u64,
            max: limits.max_bytes,
        });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ExchangeError::Empty);
    }
    match zipcheck::sniff(bytes) {
        Sniff::Other => {}
        Sniff::Ole { encrypted: true } => return Err(ExchangeError::Encrypted),
        Sniff::Ole { encrypted: false } => return Err(ExchangeError::LegacyXls),
        // An .xlsx sent as CSV.
        Sniff::Zip => return Err(ExchangeError::CsvEncoding),
    }
    let text = decode(bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut collector = Collector::new(vocab, limits, on_row);
    let mut record = csv::StringRecord::new();
    let mut number: u32 = 0;
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(ExchangeError::CsvMalformed { line });
            }
        }
        number = number.saturating_add(1);
        if number == 1 {
            let header: Vec<(u32, String)> = record
                .iter()
                .enumerate()
                .map(|(i, h)| (i as u32, h.to_owned()))
                .collect();
            collector.set_header(&header)?;
            continue;
        }
        let mut cells = vec![String::new(); CELLS];
        let mut marks = Vec::new();
        for (i, value) in record.iter().enumerate() {
            let Some(slot) = collector.slot(i as u32) else {
                continue;
            };
            let key = key_of(slot);
            if value.trim_start().starts_with('=') {
                marks.push(mark(
                    key,
                    "formula_cell",
                    "单元格以“=”开头，会被当作公式，请粘贴为数值，或在前面加英文单引号（'）",
                ));
            }
            cells[slot] = unguard(value).to_owned();
        }
        collector.add_row(number, cells, marks)?;
    }
    if number == 0 {
        return Err(ExchangeError::Empty);
    }
    collector.finish(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_find_their_column() {
        let e = |field: Option<&str>, code: &str, msg: &str| FieldError {
            field: field.map(str::to_owned),
            code: code.to_owned(),
            message: msg.to_owned(),
        };
        let at = |e: FieldError| key_of(locate(&e));
        assert_eq!(at(e(Some("summary"), "field_too_long", "")), "summary");
        assert_eq!(
            at(e(Some("ip_2"), "patent_number_checksum", "")),
            "ip_2_number"
        );
        assert_eq!(at(e(Some("ip_1"), "choice_invalid", "")), "ip_1_type");
        assert_eq!(
            at(e(
                Some("ip_3"),
                "field_too_long",
                "登记号不能超过 50 个字符"
            )),
            "ip_3_number"
        );
        assert_eq!(
            at(e(Some("ip_1"), "field_required", "请填写…")),
            "ip_1_title"
        );
        assert_eq!(at(e(None, "duplicate_row", "")), "title");
        assert_eq!(at(e(Some("ip_9"), "x", "")), "ip_more", "beyond the third");
        assert_eq!(at(e(Some("ip_x"), "x", "")), "title");
    }

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(number_text(6.0), "6");
        assert_eq!(number_text(12.5), "12.5");
        assert_eq!(number_text(13800138000.0), "13800138000");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn the_csv_guard_is_undone() {
        assert_eq!(unguard("'=1+1"), "=1+1");
        assert_eq!(unguard("'+86 138"), "+86 138");
        assert_eq!(unguard("''abc"), "'abc");
        assert_eq!(unguard("'abc"), "'abc");
        assert_eq!(unguard("abc"), "abc");
    }

    #[test]
    fn gb18030_is_decoded() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("成果名称,技术领域");
        assert_eq!(decode(&bytes).unwrap(), "成果名称,技术领域");
        assert_eq!(decode("\u{feff}成果".as_bytes()).unwrap(), "成果");
        assert!(decode(b"\xFF\xFEa\x00").is_err());
    }
}
