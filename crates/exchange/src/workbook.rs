//! Writing the workbook: the data sheet with its headers and drop-downs, the sheet
//! 填写说明 and the hidden sheet 选项. Used by [`crate::template`] and
//! [`crate::export_xlsx`].

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, Format, FormatAlign,
    FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};

use crate::columns::{COLUMNS, Column, Kind, MORE_IP, MORE_IP_HEADER, Need, letter};
use crate::labels::Labels;
use crate::{DATA_SHEET, INSTRUCTIONS_SHEET, OPTIONS_SHEET, TEMPLATE_MARKER, VERSION_NAME};

/// Last row (0-based) that carries drop-downs: Excel's last row.
const LAST_ROW: u32 = 1_048_575;

/// The lists placed on the hidden sheet 选项, one per column there.
const OPTION_LISTS: &[(&str, &str)] = &[
    ("fields", "技术领域（子领域）"),
    ("tech_levels", "技术水平"),
    ("trl", "技术就绪水平"),
    ("stages", "成果所处阶段"),
    ("sources", "成果来源"),
    ("ip_types", "知识产权类型"),
    ("ip_status", "知识产权状态"),
    ("yes_no", "是/否"),
    ("cooperation_modes", "意向合作方式（可多选，用、分隔）"),
];

fn list_of(col: &Column) -> Option<&'static str> {
    match col.kind {
        Kind::Choice(list) => Some(list),
        Kind::Trl => Some("trl"),
        Kind::IpStatus => Some("ip_status"),
        Kind::YesNo => Some("yes_no"),
        _ => None,
    }
}

fn width(col: &Column) -> f64 {
    match (col.kind, col.max_chars) {
        (Kind::Multiline, Some(n)) if n > 300 => 40.0,
        (Kind::Multiline, _) => 30.0,
        (Kind::Choice("fields"), _) | (Kind::Trl, _) => 24.0,
        (Kind::Modes, _) | (Kind::Keywords, _) => 24.0,
        (_, Some(n)) if n >= 100 => 24.0,
        _ => 16.0,
    }
}

/// A workbook with the three sheets, ready for data rows.
pub(crate) struct Book {
    workbook: Workbook,
    pub(crate) data: Worksheet,
    instructions: Worksheet,
    options: Worksheet,
}

/// Builds the workbook: the template columns, then 更多知识产权 (always; IP items
/// beyond the third, read back by imports), then the `extra` read-only headers.
pub(crate) fn book(labels: &Labels, extra: &[&str]) -> Result<Book, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.define_name(VERSION_NAME, &format!("=\"{TEMPLATE_MARKER}\""))?;

    let base = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let required = base
        .clone()
        .set_background_color(Color::RGB(0xF8CBAD))
        .set_font_color(Color::RGB(0x9C0006));
    let optional = base.clone().set_background_color(Color::RGB(0xDDEBF7));
    let extra_format = base.clone().set_background_color(Color::RGB(0xD9D9D9));
    let text = Format::new().set_num_format("@");

    let mut data = Worksheet::new();
    data.set_name(DATA_SHEET)?;
    data.set_row_height(0, 36)?;
    data.set_freeze_panes(1, 1)?;
    for (i, col) in COLUMNS.iter().enumerate() {
        let c = i as u16;
        let fmt = if col.need == Need::Required {
            &required
        } else {
            &optional
        };
        data.write_string_with_format(0, c, col.header, fmt)?;
        data.set_column_width(c, width(col))?;
        // Numbers that must stay text: leading zeros, long digit strings.
        if matches!(
            col.key,
            "contact_phone" | "project_number" | "ip_1_number" | "ip_2_number" | "ip_3_number"
        ) {
            data.set_column_format(c, &text)?;
        }
        data.add_data_validation(1, c, LAST_ROW, c, &validation(col, labels)?)?;
    }
    let more = MORE_IP as u16;
    data.write_string_with_format(0, more, MORE_IP_HEADER, &optional)?;
    data.set_column_width(more, 40.0)?;
    data.set_column_format(more, &text)?;
    for (j, h) in extra.iter().enumerate() {
        let c = (MORE_IP + 1 + j) as u16;
        data.write_string_with_format(0, c, *h, &extra_format)?;
        data.set_column_width(c, 18.0)?;
    }

    let mut instructions = Worksheet::new();
    instructions.set_name(INSTRUCTIONS_SHEET)?;
    write_instructions(&mut instructions, labels, extra)?;

    let mut options = Worksheet::new();
    options.set_name(OPTIONS_SHEET)?;
    for (j, (list, title)) in OPTION_LISTS.iter().enumerate() {
        let c = j as u16;
        options.write_string(0, c, *title)?;
        options.set_column_width(c, 30.0)?;
        for (r, v) in labels.options(list).iter().enumerate() {
            options.write_string(r as u32 + 1, c, v)?;
        }
    }
    options.set_hidden(true);

    data.set_active(true);
    Ok(Book {
        workbook,
        data,
        instructions,
        options,
    })
}

impl Book {
    /// Assembles the sheets (data first) and writes the workbook to bytes.
    pub(crate) fn save(self) -> Result<Vec<u8>, XlsxError> {
        let Book {
            mut workbook,
            data,
            instructions,
            options,
        } = self;
        workbook.push_worksheet(data);
        workbook.push_worksheet(instructions);
        workbook.push_worksheet(options);
        workbook.save_to_buffer()
    }
}

/// The reference to a list on the hidden sheet, e.g. `='选项'!$A$2:$A$46`.
fn options_range(list: &str, labels: &Labels) -> Option<String> {
    let j = OPTION_LISTS.iter().position(|(l, _)| *l == list)?;
    let n = labels.options(list).len();
    let col = letter(j);
    Some(format!("='{OPTIONS_SHEET}'!${col}$2:${col}${}", n + 1))
}

fn validation(col: &Column, labels: &Labels) -> Result<DataValidation, XlsxError> {
    let dv = if let Some(list) = list_of(col) {
        let range = options_range(list, labels).unwrap_or_default();
        let error = if list == "yes_no" {
            format!("“{}”请填写“是”或“否”。", col.header)
        } else {
            format!(
                "“{}”请从下拉列表中选择；也可以填写代码。点“是”保留输入的内容。",
                col.header
            )
        };
        DataValidation::new()
            .allow_list_formula(Formula::new(range))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("请从下拉列表中选择")?
            .set_error_message(error)?
    } else if let Some(max) = col.max_chars {
        DataValidation::new()
            .allow_text_length(DataValidationRule::LessThanOrEqualTo(max as u32))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("内容过长")?
            .set_error_message(format!("“{}”不能超过 {max} 个字符。", col.header))?
    } else {
        DataValidation::new().allow_any_value()
    };
    let mut message = col.note.to_owned();
    if let Need::When(cond) = col.need {
        message = format!("{cond}。{message}");
    } else if col.need == Need::Required {
        message = format!("提交必填。{message}");
    }
    // Excel allows 255 characters in an input message.
    let message: String = message.chars().take(250).collect();
    dv.set_input_title(short_title(col.header))?
        .set_input_message(message)
}

/// Excel allows 32 characters in an input title.
fn short_title(h: &str) -> String {
    h.chars().take(32).collect()
}

fn need_text(col: &Column) -> String {
    match col.need {
        Need::Required => "必填".to_owned(),
        Need::Optional => "选填".to_owned(),
        Need::When(c) => format!("条件必填：{c}"),
    }
}

fn write_instructions(
    ws: &mut Worksheet,
    labels: &Labels,
    extra: &[&str],
) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xDDEBF7));
    let cell = Format::new()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    ws.set_column_width(0, 8.0)?;
    ws.set_column_width(1, 34.0)?;
    ws.set_column_width(2, 22.0)?;
    ws.set_column_width(3, 12.0)?;
    ws.set_column_width(4, 80.0)?;
    ws.write_string_with_format(0, 0, "科技成果批量导入模板 · 填写说明", &title)?;
    ws.write_string(
        1,
        0,
        format!("模板版本：{TEMPLATE_MARKER}（请勿修改；系统据此识别模板版本）"),
    )?;
    let general = [
        "1. 在“成果信息”工作表中填写，第 1 行为表头，请勿修改、删除或调换表头；从第 2 行起每行填写一项成果，空行会被跳过。",
        "2. 标红的列提交时必填；带下拉箭头的列请从列表中选择，也可以填写代码（如技术领域填 1.5）。是/否列可填“是”“否”，也可填 Y/N、1/0。",
        "3. 单元格中请填写数值或文字，不要使用公式（含公式的单元格会被拒绝，请“选择性粘贴—数值”）。",
        "4. 专利号填写申请号（如 201710601862.3，可带 ZL 或 CN 前缀）或公开（公告）号（如 CN112345678A），系统会校验校验位。前 3 项知识产权填在对应的列中；更多的填在最后的“更多知识产权”列，每项一行（单元格内按 Alt+Enter 换行），格式为“类型｜名称｜号码｜状态”，如“软件著作权｜数据分析软件｜2020SR000004｜已登记”，每项成果最多 20 项知识产权。",
        "5. 意向合作方式可填多种，用顿号（、）或分号（；）分隔，如“技术许可、合作开发”。关键词用顿号、逗号或分号分隔。",
        "6. 字数按字符计算（一个汉字、字母或数字都算一个字符）。单个文件不超过 50 MB、100,000 行；另存为 CSV 时请选择“CSV UTF-8（逗号分隔）”。",
    ];
    for (i, g) in general.iter().enumerate() {
        ws.write_string(2 + i as u32, 0, *g)?;
    }
    let top = 2 + general.len() as u32 + 1;
    for (j, h) in ["列", "列名", "提交时是否必填", "字数限制", "填写要求"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(top, j as u16, *h, &head)?;
    }
    for (i, col) in COLUMNS.iter().enumerate() {
        let r = top + 1 + i as u32;
        ws.write_string_with_format(r, 0, letter(i), &cell)?;
        ws.write_string_with_format(r, 1, col.header, &cell)?;
        ws.write_string_with_format(r, 2, need_text(col), &cell)?;
        let limit = col
            .max_chars
            .map(|n| format!("{n} 个字符"))
            .unwrap_or_else(|| "—".to_owned());
        ws.write_string_with_format(r, 3, limit, &cell)?;
        let mut note = col.note.to_owned();
        if let Some(list) = list_of(col)
            && !matches!(list, "fields" | "yes_no")
        {
            note = format!("{note}。可选值：{}", labels.options(list).join("、"));
        }
        ws.write_string_with_format(r, 4, note, &cell)?;
    }
    let mut r = top + 1 + COLUMNS.len() as u32 + 1;
    if !extra.is_empty() {
        ws.write_string(
            r,
            0,
            format!(
                "导出文件在最后附加只读列（{}，灰色表头），仅供查看，导入时忽略。",
                extra.join("、")
            ),
        )?;
        r += 1;
    }
    ws.write_string(
        r,
        0,
        format!(
            "技术领域（子领域）的全部可选值见下拉列表，共 {} 个子领域（战略性新兴产业分类）。",
            labels.options("fields").len()
        ),
    )?;
    Ok(())
}
