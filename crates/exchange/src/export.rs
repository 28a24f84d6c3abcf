//! Writing achievements to .xlsx and CSV in the template's format.

use ztc_domain::achievement::{Details, IpItem};
use ztc_domain::vocab::Vocabulary;

use crate::columns::{COLUMNS, EXTRA_HEADERS, Kind, MORE_IP, MORE_IP_HEADER, MORE_IP_SEPARATOR};
use crate::error::ExchangeError;
use crate::labels::Labels;
use crate::masking;
use crate::workbook;

/// One achievement to export, with optional read-only columns (display text,
/// e.g. 状态 “已入库”, 持有单位, 地区, 更新时间 “2026-11-20 10:00”).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportRow {
    pub details: Details,
    pub status: Option<String>,
    pub holder: Option<String>,
    pub region: Option<String>,
    pub updated_at: Option<String>,
}

impl From<Details> for ExportRow {
    fn from(details: Details) -> Self {
        ExportRow {
            details,
            ..ExportRow::default()
        }
    }
}

/// How to export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Mask the contact's name, phone and e-mail (SPEC §6) for readers who do not
    /// need them. A masked file does not re-import (the phone is no longer valid).
    pub mask_personal: bool,
}

enum Value {
    Empty,
    Text(String),
    Number(f64),
}

fn text(s: &str) -> Value {
    if s.is_empty() {
        Value::Empty
    } else {
        Value::Text(s.to_owned())
    }
}

fn opt(s: &Option<String>) -> Value {
    s.as_deref().map(text).unwrap_or(Value::Empty)
}

fn yes_no(b: bool) -> Value {
    Value::Text((if b { "是" } else { "否" }).to_owned())
}

fn ip_cell(ip: Option<&IpItem>, part: &str, labels: &Labels) -> Value {
    let Some(ip) = ip else {
        return Value::Empty;
    };
    match part {
        "type" => text(labels.label("ip_types", &ip.kind)),
        "title" => text(&ip.title),
        "number" => opt(&ip.number),
        _ => text(ip.status.label_zh()),
    }
}

/// The template columns of one achievement.
fn values(d: &Details, labels: &Labels, options: &ExportOptions) -> Vec<Value> {
    let choice = |list: &'static str, v: &Option<String>| match v {
        Some(code) => text(labels.label(list, code)),
        None => Value::Empty,
    };
    COLUMNS
        .iter()
        .map(|col| match col.key {
            "title" => text(&d.title),
            "subfield" => choice("fields", &d.subfield),
            "keywords" => text(&d.keywords.join("、")),
            "summary" => opt(&d.summary),
            "technical" => opt(&d.technical),
            "advantages" => opt(&d.advantages),
            "indicators" => opt(&d.indicators),
            "tech_level" => choice("tech_levels", &d.tech_level),
            "trl" => choice("trl", &d.trl.map(|t| t.to_string())),
            "stage" => choice("stages", &d.stage),
            "independent_ip" => yes_no(d.independent_ip),
            "no_dispute" => yes_no(d.no_dispute),
            "cooperation_modes" => text(
                &d.cooperation_modes
                    .iter()
                    .map(|m| labels.label("cooperation_modes", m))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            "price_min" => d.price_min.map(Value::Number).unwrap_or(Value::Empty),
            "price_max" => d.price_max.map(Value::Number).unwrap_or(Value::Empty),
            "price_note" => opt(&d.price_note),
            "market_path" => opt(&d.market_path),
            "applications" => opt(&d.applications),
            "benefits" => opt(&d.benefits),
            "source" => choice("sources", &d.source),
            "project_number" => opt(&d.project_number),
            "team" => opt(&d.team),
            "contact_name" if options.mask_personal => d
                .contact_name
                .as_deref()
                .map(|n| Value::Text(masking::name(n)))
                .unwrap_or(Value::Empty),
            "contact_phone" if options.mask_personal => d
                .contact_phone
                .as_deref()
                .map(|n| Value::Text(masking::phone(n)))
                .unwrap_or(Value::Empty),
            "contact_email" if options.mask_personal => d
                .contact_email
                .as_deref()
                .map(|n| Value::Text(masking::email(n)))
                .unwrap_or(Value::Empty),
            "contact_name" => opt(&d.contact_name),
            "contact_phone" => opt(&d.contact_phone),
            "contact_email" => opt(&d.contact_email),
            "willing_to_present" => d.willing_to_present.map(yes_no).unwrap_or(Value::Empty),
            key => {
                if let Some(rest) = key.strip_prefix("ip_") {
                    let (n, part) = rest.split_once('_').unwrap_or((rest, ""));
                    let n: usize = n.parse().unwrap_or(1);
                    ip_cell(d.ip.get(n.saturating_sub(1)), part, labels)
                } else if let Some(n) = key.strip_prefix("statement_") {
                    let n: usize = n.parse().unwrap_or(1);
                    d.statements
                        .get(n.saturating_sub(1))
                        .map(|s| text(s))
                        .unwrap_or(Value::Empty)
                } else {
                    Value::Empty
                }
            }
        })
        .collect()
}

/// How many IP items fit in the template's columns.
fn ip_groups() -> usize {
    COLUMNS
        .iter()
        .filter(|c| c.kind == Kind::Choice("ip_types"))
        .count()
}

/// IP items beyond the third, one per line (`类型｜名称｜号码｜状态`), as imports read them.
fn more_ip(row: &ExportRow, labels: &Labels) -> String {
    row.details
        .ip
        .iter()
        .skip(ip_groups())
        .map(|ip| {
            [
                labels.label("ip_types", &ip.kind),
                ip.title.as_str(),
                ip.number.as_deref().unwrap_or_default(),
                ip.status.label_zh(),
            ]
            .join(&MORE_IP_SEPARATOR.to_string())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The read-only columns after 更多知识产权.
fn extras(row: &ExportRow) -> [String; 4] {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        o(&row.status),
        o(&row.holder),
        o(&row.region),
        o(&row.updated_at),
    ]
}

fn wants_extras(rows: &[ExportRow]) -> bool {
    rows.iter().any(|r| {
        r.status.is_some() || r.holder.is_some() || r.region.is_some() || r.updated_at.is_some()
    })
}

/// Writes achievements as an .xlsx in the template's format (same sheets, headers,
/// labels, drop-downs and version marker), so that the file re-imports unchanged.
/// 更多知识产权 holds IP items beyond the third (read back by imports); the read-only
/// columns (状态, 持有单位, 地区, 更新时间) are appended when any row has them. Cells are written as text or numbers, never as formulas.
pub fn export_xlsx(
    rows: &[ExportRow],
    vocab: &Vocabulary,
    options: &ExportOptions,
) -> Result<Vec<u8>, ExchangeError> {
    let labels = Labels::new(vocab);
    let with_extras = wants_extras(rows);
    let extra: &[&str] = if with_extras {
        &EXTRA_HEADERS[1..]
    } else {
        &[]
    };
    let mut book = workbook::book(&labels, extra)?;
    for (i, row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1)
            .ok()
            .filter(|r| *r <= 1_048_575)
            .ok_or_else(|| ExchangeError::Write {
                detail: "more rows than a worksheet holds".into(),
            })?;
        for (c, v) in values(&row.details, &labels, options)
            .into_iter()
            .enumerate()
        {
            let c = c as u16;
            match v {
                Value::Empty => {}
                Value::Text(s) => {
                    book.data.write_string(r, c, s)?;
                }
                Value::Number(n) => {
                    book.data.write_number(r, c, n)?;
                }
            }
        }
        let more = more_ip(row, &labels);
        if !more.is_empty() {
            book.data.write_string(r, MORE_IP as u16, more)?;
        }
        if with_extras {
            for (j, s) in extras(row).iter().enumerate() {
                if !s.is_empty() {
                    book.data
                        .write_string(r, (MORE_IP + 1 + j) as u16, s.as_str())?;
                }
            }
        }
    }
    Ok(book.save()?)
}

/// Prefixes `'` to a value that a spreadsheet would read as a formula (`= + - @`,
/// tab, carriage return) or that already starts with `'`; [`crate::parse_csv`]
/// removes it again.
pub(crate) fn guard(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Writes achievements as CSV (UTF-8 with BOM, CRLF) with the template's columns.
/// Values that a spreadsheet would run as formulas get a leading `'`.
pub fn export_csv(
    rows: &[ExportRow],
    vocab: &Vocabulary,
    options: &ExportOptions,
) -> Result<Vec<u8>, ExchangeError> {
    let labels = Labels::new(vocab);
    let with_extras = wants_extras(rows);
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .flexible(false)
            .from_writer(&mut out);
        let mut header: Vec<&str> = COLUMNS.iter().map(|c| c.header).collect();
        header.push(MORE_IP_HEADER);
        if with_extras {
            header.extend_from_slice(&EXTRA_HEADERS[1..]);
        }
        w.write_record(&header)?;
        let mut record: Vec<String> = Vec::with_capacity(header.len());
        for row in rows {
            record.clear();
            for v in values(&row.details, &labels, options) {
                record.push(match v {
                    Value::Empty => String::new(),
                    Value::Text(s) => guard(&s).into_owned(),
                    Value::Number(n) => format!("{n}"),
                });
            }
            record.push(guard(&more_ip(row, &labels)).into_owned());
            if with_extras {
                record.extend(extras(row).iter().map(|s| guard(s).into_owned()));
            }
            w.write_record(&record)?;
        }
        w.flush().map_err(|e| ExchangeError::Write {
            detail: e.to_string(),
        })?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_formulas() {
        assert_eq!(guard("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard("+86 138"), "'+86 138");
        assert_eq!(guard("-40℃"), "'-40℃");
        assert_eq!(guard("@SUM"), "'@SUM");
        assert_eq!(guard("'quoted"), "''quoted");
        assert_eq!(guard("正常文字"), "正常文字");
        for s in ["=1", "+1", "-1", "@a", "'x", "''=y", "plain"] {
            assert_eq!(crate::import::unguard(&guard(s)), s);
        }
    }
}
