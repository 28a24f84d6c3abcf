//! Importing filled templates: good rows, row problems and file-level errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{Cursor, Write};

use support::{Cell, Marker, csl, good_row, headers, sheet, t, vocab, with, workbook};
use ztc_domain::achievement::IpStatus;
use ztc_exchange::{
    Batch, COLUMNS, DATA_SHEET, ExchangeError, Limits, Problem, TEMPLATE_MARKER, export_xlsx,
    index_of, letter, parse_csv, parse_xlsx, template,
};

fn parse(bytes: &[u8]) -> Batch {
    parse_xlsx(bytes, &vocab(), &Limits::default()).unwrap_or_else(|e| panic!("{}", e.message()))
}

fn refuse(bytes: &[u8], limits: &Limits) -> ExchangeError {
    match parse_xlsx(bytes, &vocab(), limits) {
        Ok(b) => panic!("accepted: {} rows", b.rows.len()),
        Err(e) => e,
    }
}

fn is_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn problems_at<'a>(b: &'a Batch, row: u32, header: &str) -> Vec<&'a Problem> {
    b.problems
        .iter()
        .filter(|p| p.row == row && p.header == header)
        .collect()
}

#[test]
fn good_rows_import_with_labels_turned_into_codes() {
    let b = parse(&sheet(&[
        good_row("固态锂电池电解质"),
        good_row("第二项成果"),
    ]));
    assert!(b.is_clean(), "{:#?}", b.problems);
    assert_eq!(b.template_version.as_deref(), Some("v1"));
    assert_eq!(b.rows.len(), 2);
    assert_eq!(b.rows[0].number, 2);
    assert_eq!(b.rows[1].number, 3);
    assert_eq!(b.valid_rows().count(), 2);
    let d = b.rows[0].valid().unwrap();
    assert_eq!(d.title, "固态锂电池电解质");
    assert_eq!(d.field.as_deref(), Some("5"));
    assert_eq!(d.subfield.as_deref(), Some("5.2"));
    assert_eq!(d.tech_level.as_deref(), Some("domestic_leading"));
    assert_eq!(d.trl, Some(6));
    assert_eq!(d.stage.as_deref(), Some("pilot"));
    assert_eq!(d.source.as_deref(), Some("self_developed"));
    assert_eq!(d.keywords, vec!["固态电池", "电解质", "锂电池"]);
    assert_eq!(d.cooperation_modes, vec!["licence", "joint_development"]);
    assert_eq!((d.price_min, d.price_max), (Some(50.0), Some(120.5)));
    assert!(d.independent_ip && d.no_dispute);
    assert_eq!(d.willing_to_present, Some(true));
    assert_eq!(d.contact_phone.as_deref(), Some("13800138000"));
    assert_eq!(
        d.technical.as_deref(),
        Some("采用掺杂改性，\n提高界面稳定性。")
    );
    assert_eq!(d.ip.len(), 2);
    assert_eq!(d.ip[0].kind, "invention_patent");
    assert_eq!(d.ip[0].number.as_deref(), Some("201710601862.3"));
    assert_eq!(d.ip[0].status, IpStatus::Granted);
    assert_eq!(d.ip[1].kind, "software_copyright");
    assert_eq!(d.ip[1].status, IpStatus::Registered);
    assert_eq!(d.statements.len(), 6);
    // The form keeps what was read, as codes.
    assert_eq!(b.rows[0].form.tech_level, "domestic_leading");
}

#[test]
fn codes_and_other_spellings_are_accepted() {
    let row = good_row("用代码填写");
    let row = with(row, "技术领域（子领域）", t(" 1.5 "));
    let row = with(row, "技术水平", t("intl_leading"));
    let row = with(row, "技术就绪水平", t("7 系统样机在实际使用环境中试验"));
    let row = with(row, "成果所处阶段", t("small_batch"));
    let row = with(
        row,
        "意向合作方式",
        t("技术转让；technology licensing；equity"),
    );
    let row = with(row, "拥有独立自主知识产权（是/否）", Cell::Number(1.0));
    let row = with(row, "无侵权纠纷（是/否）", t("no"));
    let row = with(row, "是否愿意参加路演（是/否）", t("N"));
    let b = parse(&sheet(&[row]));
    assert!(b.is_clean(), "{:#?}", b.problems);
    let d = b.rows[0].valid().unwrap();
    assert_eq!(d.subfield.as_deref(), Some("1.5"));
    assert_eq!(d.tech_level.as_deref(), Some("intl_leading"));
    assert_eq!(d.trl, Some(7));
    assert_eq!(d.stage.as_deref(), Some("small_batch"));
    assert_eq!(d.cooperation_modes, vec!["transfer", "licence", "equity"]);
    assert!(d.independent_ip);
    assert!(!d.no_dispute);
    assert_eq!(d.willing_to_present, Some(false));
}

#[test]
fn empty_rows_are_skipped_and_numbers_are_spreadsheet_rows() {
    let blank = vec![("成果名称", t("   ")), ("关键词", t(""))];
    let b = parse(&sheet(&[good_row("甲"), blank, good_row("乙")]));
    assert!(b.is_clean(), "{:#?}", b.problems);
    let numbers: Vec<u32> = b.rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers, vec![2, 4]);
}

#[test]
fn problems_name_row_column_and_header() {
    let long = "简".repeat(512);
    let rows = vec![
        good_row("好的一行"),
        with(good_row("太长的简介"), "成果简介", t(&long)),
    ];
    let b = parse(&sheet(&rows));
    assert!(!b.is_clean());
    assert_eq!(b.valid_rows().count(), 1);
    assert_eq!(
        b.problems,
        vec![Problem {
            row: 3,
            column: "D".into(),
            header: "成果简介".into(),
            code: "field_too_long".into(),
            message: "成果简介不能超过 500 个字符（现有 512 个）".into(),
        }]
    );
    let e = b.rows[1].details.as_ref().unwrap_err();
    assert_eq!(e.for_field("summary").unwrap().code, "field_too_long");
}

#[test]
fn columns_are_found_by_header_wherever_they_are() {
    // Reverse the columns and add one the template does not have.
    let mut hs = headers();
    hs.reverse();
    hs.insert(3, "备注");
    let row = with(good_row("倒序的表"), "成果简介", t(&"简".repeat(501)));
    let mut row = row;
    row.push(("备注", t("忽略")));
    let bytes = workbook(
        DATA_SHEET,
        &hs,
        &[row],
        Marker::DefinedName(TEMPLATE_MARKER),
    );
    let b = parse(&bytes);
    assert_eq!(b.problems.len(), 1, "{:#?}", b.problems);
    let at = hs.iter().position(|h| *h == "成果简介").unwrap();
    assert_eq!(b.problems[0].column, letter(at));
    assert_eq!(b.problems[0].header, "成果简介");
}

#[test]
fn every_field_that_is_too_long_is_reported_on_its_column() {
    let vocab = vocab();
    for (i, col) in COLUMNS.iter().enumerate() {
        let Some(max) = col.max_chars else { continue };
        let mut row = good_row("字段过长");
        // IP numbers are checked as patent numbers for patents: use a software
        // copyright so that the length rule applies.
        if col.key.starts_with("ip_") {
            let n = &col.header[..col.header.find('）').unwrap() + '）'.len_utf8()];
            for (part, v) in [("类型", "软件著作权"), ("名称", "软件"), ("状态", "已登记")]
            {
                let h: &'static str = COLUMNS
                    .iter()
                    .find(|c| c.header == format!("{n}{part}"))
                    .unwrap()
                    .header;
                row = with(row, h, t(v));
            }
        }
        let value = if col.key == "contact_phone" {
            "1".repeat(max + 1)
        } else if col.key == "contact_email" {
            format!("{}@example.cn", "a".repeat(max))
        } else {
            "长".repeat(max + 1)
        };
        let row = with(row, col.header, t(&value));
        let b = parse_xlsx(&sheet(&[row]), &vocab, &Limits::default()).unwrap();
        let ps = problems_at(&b, 2, col.header);
        assert_eq!(ps.len(), 1, "{}: {:#?}", col.header, b.problems);
        let p = ps[0];
        assert_eq!(p.column, letter(i), "{}", col.header);
        assert!(
            [
                "field_too_long",
                "phone_invalid",
                "email_invalid",
                "keyword_too_long"
            ]
            .contains(&p.code.as_str()),
            "{}: {}",
            col.header,
            p.code
        );
        assert!(is_chinese(&p.message), "{}", p.message);
        if p.code == "field_too_long" {
            assert!(p.message.contains(&max.to_string()), "{}", p.message);
        }
        assert_eq!(b.problems.len(), 1, "{}: {:#?}", col.header, b.problems);
    }
}

#[test]
fn keywords_over_the_limits_are_reported() {
    let many: Vec<String> = (0..11).map(|i| format!("词{i}")).collect();
    let b = parse(&sheet(&[
        with(good_row("关键词太多"), "关键词", t(&many.join("、"))),
        with(good_row("关键词太长"), "关键词", t(&"长".repeat(21))),
    ]));
    assert_eq!(problems_at(&b, 2, "关键词")[0].code, "keywords_too_many");
    assert_eq!(problems_at(&b, 3, "关键词")[0].code, "keyword_too_long");
}

#[test]
fn empty_required_fields_are_reported_each_on_its_column() {
    let b = parse(&sheet(&[vec![("成果名称", t("只有名称"))]]));
    let required = [
        "技术领域（子领域）",
        "成果简介",
        "技术内容与创新点",
        "与现有方案相比的优势",
        "技术水平",
        "技术就绪水平",
        "成果所处阶段",
        "意向合作方式",
        "转化路径",
        "应用场景与市场前景",
        "成果来源",
        "联系人",
        "联系电话",
        "是否愿意参加路演（是/否）",
    ];
    for h in required {
        let ps = problems_at(&b, 2, h);
        assert_eq!(ps.len(), 1, "{h}: {:#?}", b.problems);
        assert_eq!(ps[0].code, "field_required");
        assert!(
            ps[0].message.starts_with("提交前请填写"),
            "{}",
            ps[0].message
        );
        let i = COLUMNS.iter().position(|c| c.header == h).unwrap();
        assert_eq!(ps[0].column, letter(i));
    }
    assert_eq!(b.problems.len(), required.len(), "{:#?}", b.problems);

    let untitled = parse(&sheet(&[with(good_row("x"), "成果名称", t(""))]));
    assert_eq!(untitled.problems[0].code, "field_required");
    assert_eq!(untitled.problems[0].column, "A");

    let national = parse(&sheet(&[with(
        good_row("国家项目"),
        "成果来源",
        t("国家科技计划"),
    )]));
    assert_eq!(
        problems_at(&national, 2, "项目编号")[0].code,
        "field_required"
    );
}

#[test]
fn wrong_values_are_reported_on_their_columns() {
    let rows = vec![
        with(good_row("错误的技术水平"), "技术水平", t("世界第一")),
        with(
            good_row("只选了领域"),
            "技术领域（子领域）",
            t("5 新能源汽车产业"),
        ),
        with(good_row("成熟度错"), "技术就绪水平", t("10")),
        with(good_row("状态错"), "知识产权（一）状态", t("作废")),
        with(good_row("是否错"), "无侵权纠纷（是/否）", t("也许")),
        with(
            good_row("专利号错"),
            "知识产权（一）号码",
            t("201710601862.4"),
        ),
        with(good_row("类型错"), "知识产权（二）类型", t("商标")),
        with(good_row("合作方式错"), "意向合作方式", t("技术许可、赠送")),
        with(good_row("价格错"), "期望价格下限（万元）", t("很多")),
        with(
            good_row("价格反了"),
            "期望价格下限（万元）",
            Cell::Number(500.0),
        ),
        with(good_row("电话错"), "联系电话", t("请打电话")),
        with(good_row("邮箱错"), "电子邮箱", t("zhang@")),
        with(good_row("名称没写"), "知识产权（二）名称", t("")),
    ];
    let b = parse(&sheet(&rows));
    let want = [
        (2, "技术水平", "choice_invalid"),
        (3, "技术领域（子领域）", "subfield_required"),
        (4, "技术就绪水平", "trl_invalid"),
        (5, "知识产权（一）状态", "choice_invalid"),
        (6, "无侵权纠纷（是/否）", "yes_no_invalid"),
        (7, "知识产权（一）号码", "patent_number_checksum"),
        (8, "知识产权（二）类型", "choice_invalid"),
        (9, "意向合作方式", "choice_invalid"),
        (10, "期望价格下限（万元）", "price_invalid"),
        (11, "期望价格上限（万元）", "price_range"),
        (12, "联系电话", "phone_invalid"),
        (13, "电子邮箱", "email_invalid"),
        (14, "知识产权（二）名称", "field_required"),
    ];
    for (row, header, code) in want {
        let ps = problems_at(&b, row, header);
        assert_eq!(ps.len(), 1, "row {row} {header}: {:#?}", b.problems);
        assert_eq!(ps[0].code, code, "row {row}");
        assert!(is_chinese(&ps[0].message));
    }
    assert_eq!(b.problems.len(), want.len(), "{:#?}", b.problems);
    assert_eq!(b.valid_rows().count(), 0);
}

#[test]
fn formulas_are_refused_per_cell() {
    let rows = vec![
        with(
            good_row("含公式"),
            "成果简介",
            Cell::Formula("=\"简介\"&\"内容\"".into()),
        ),
        with(
            good_row("数值公式"),
            "期望价格上限（万元）",
            Cell::Formula("=1+1".into()),
        ),
        with(good_row("文字等号"), "价格说明", t("=按销售额提成")),
    ];
    let b = parse(&sheet(&rows));
    let p = &problems_at(&b, 2, "成果简介")[0];
    assert_eq!((p.code.as_str(), p.column.as_str()), ("formula_cell", "D"));
    assert_eq!(p.message, "单元格含有公式，请粘贴为数值");
    assert_eq!(
        problems_at(&b, 3, "期望价格上限（万元）")[0].code,
        "formula_cell"
    );
    assert!(b.rows[0].details.is_err() && b.rows[1].details.is_err());
    // In .xlsx a string that starts with "=" is text, not a formula.
    assert!(b.rows[2].details.is_ok(), "{:#?}", b.problems);
    assert_eq!(b.problems.len(), 2, "{:#?}", b.problems);
}

#[test]
fn duplicate_rows_are_reported_on_the_later_row() {
    let rows = vec![
        good_row("重复的成果"),
        good_row("另一项"),
        // Same title (spacing and width differ) and same first patent number.
        with(
            good_row(" 重复的成果 "),
            "知识产权（一）号码",
            t("201710601862.3"),
        ),
        // Same title, another number: not a duplicate.
        with(
            good_row("重复的成果"),
            "知识产权（一）号码",
            t("CN112345678A"),
        ),
    ];
    let b = parse(&sheet(&rows));
    assert_eq!(b.problems.len(), 1, "{:#?}", b.problems);
    let p = &b.problems[0];
    assert_eq!(
        (p.row, p.code.as_str(), p.column.as_str()),
        (4, "duplicate_row", "A")
    );
    assert!(p.message.contains("第 2 行"), "{}", p.message);
    assert!(b.rows[0].details.is_ok());
    assert!(b.rows[2].details.is_err());
    assert!(b.rows[3].details.is_ok());
}

// --- file-level errors -------------------------------------------------------

fn assert_error(e: &ExchangeError, code: &str, words: &[&str]) {
    assert_eq!(e.code(), code, "{}", e.message());
    assert!(is_chinese(&e.message()), "{}", e.message());
    for w in words {
        assert!(e.message().contains(w), "{:?} in {}", w, e.message());
    }
}

#[test]
fn not_a_spreadsheet() {
    let l = Limits::default();
    assert_error(&refuse(b"", &l), "file_empty", &[]);
    assert_error(&refuse(b"hello, world", &l), "not_xlsx", &["Excel"]);
    assert_error(&refuse(b"%PDF-1.7\n...", &l), "not_xlsx", &["Excel"]);
    let csv = "成果名称,技术领域（子领域）\n甲,1.5\n";
    assert_error(&refuse(csv.as_bytes(), &l), "not_xlsx", &[]);
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    assert_error(&refuse(&ole, &l), "legacy_xls", &[".xlsx"]);
    let encrypted: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    ole.extend_from_slice(&encrypted);
    assert_error(&refuse(&ole, &l), "file_encrypted", &["密码"]);
    // A zip that is not a workbook.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("readme.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all("不是表格".as_bytes()).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert_error(&refuse(&bytes, &l), "file_corrupt", &["损坏"]);
}

#[test]
fn truncated_files_are_refused_without_panicking() {
    let bytes = sheet(&[good_row("截断的文件")]);
    let l = Limits::default();
    let mut cuts: Vec<usize> = (1..bytes.len()).step_by(97).collect();
    cuts.extend([bytes.len() - 1, bytes.len() - 22, bytes.len() / 2, 3, 4]);
    for cut in cuts {
        let e = refuse(&bytes[..cut], &l);
        assert!(
            ["file_corrupt", "not_xlsx"].contains(&e.code()),
            "cut at {cut}: {}",
            e.code()
        );
    }
    assert_error(
        &refuse(&bytes[..bytes.len() - 100], &l),
        "file_corrupt",
        &["损坏"],
    );
}

#[test]
fn damaged_files_never_panic() {
    let good = sheet(&[good_row("损坏的文件"), good_row("另一行")]);
    let mut rng = csl::Rng::new(7);
    let l = Limits::default();
    for round in 0..300 {
        let mut bytes = good.clone();
        let n = 1 + rng.below(8);
        for _ in 0..n {
            let at = rng.below(bytes.len());
            bytes[at] = (rng.next() & 0xFF) as u8;
        }
        if round % 3 == 0 {
            // Also damage the middle of the file, where the parts' data is.
            let at = bytes.len() / 3 + rng.below(bytes.len() / 3);
            bytes[at] ^= 0x55;
        }
        // Ok or Err, but an answer.
        let _ = parse_xlsx(&bytes, &vocab(), &l);
        let _ = parse_csv(&bytes, &vocab(), &l);
    }
}

fn zip_with(name: &str, size: usize, byte: u8) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(b"<Types/>").unwrap();
    zip.start_file(name, options).unwrap();
    let chunk = vec![byte; 64 * 1024];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        zip.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn zip_bombs_are_refused_before_decompression() {
    // 11 MB of zeros deflate to ~11 KB: a ratio of ~1000:1.
    let bomb = zip_with("xl/sharedStrings.xml", 11 * 1024 * 1024, 0);
    assert!(bomb.len() < 100 * 1024, "{}", bomb.len());
    assert_error(&refuse(&bomb, &Limits::default()), "zip_bomb", &["压缩比"]);

    // Over the total: limits lowered to keep the test small.
    let small = Limits {
        max_uncompressed: 1024 * 1024,
        ..Limits::default()
    };
    let big = zip_with("xl/worksheets/sheet1.xml", 2 * 1024 * 1024, b'a');
    assert_error(&refuse(&big, &small), "zip_bomb", &["解压后"]);
    // A real workbook over a (lowered) total.
    let tiny = Limits {
        max_uncompressed: 10 * 1024,
        ..Limits::default()
    };
    let real = template(&vocab()).unwrap();
    assert_error(&refuse(&real, &tiny), "zip_bomb", &[]);
}

#[test]
fn files_over_the_size_limit_are_refused() {
    let bytes = sheet(&[good_row("大文件")]);
    let l = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    assert_error(&refuse(&bytes, &l), "file_too_large", &["MB"]);
    let e = parse_csv(&vec![b'a'; 2000], &vocab(), &l).unwrap_err();
    assert_eq!(e.code(), "file_too_large");
}

#[test]
fn too_many_rows_are_refused() {
    let rows: Vec<_> = (0..4).map(|i| good_row(&format!("第 {i} 项"))).collect();
    let l = Limits {
        max_rows: 3,
        ..Limits::default()
    };
    assert_error(&refuse(&sheet(&rows), &l), "too_many_rows", &["3", "拆分"]);
    assert!(parse_xlsx(&sheet(&rows[..3]), &vocab(), &l).is_ok());
}

#[test]
fn another_template_version_is_refused() {
    let hs = headers();
    let rows = [good_row("旧模板")];
    let v2 = workbook(
        DATA_SHEET,
        &hs,
        &rows,
        Marker::DefinedName("ZTC-ACHIEVEMENT-TEMPLATE v2"),
    );
    assert_error(
        &refuse(&v2, &Limits::default()),
        "template_version",
        &["v2", "v1", "重新下载模板"],
    );
    let v0 = workbook(
        DATA_SHEET,
        &hs,
        &rows,
        Marker::InstructionsCell("ZTC-ACHIEVEMENT-TEMPLATE v0"),
    );
    assert_error(
        &refuse(&v0, &Limits::default()),
        "template_version",
        &["v0"],
    );
    // The marker on 填写说明 alone is enough.
    let v1 = workbook(
        DATA_SHEET,
        &hs,
        &rows,
        Marker::InstructionsCell(TEMPLATE_MARKER),
    );
    assert_eq!(parse(&v1).template_version.as_deref(), Some("v1"));
    // No marker at all: accepted on its headers.
    let none = workbook(DATA_SHEET, &hs, &rows, Marker::None);
    let b = parse(&none);
    assert_eq!(b.template_version, None);
    assert!(b.is_clean());
}

#[test]
fn missing_or_renamed_headers_are_named() {
    let rows = [good_row("缺列")];
    let missing: Vec<&str> = headers().into_iter().filter(|h| *h != "成果简介").collect();
    let bytes = workbook(
        DATA_SHEET,
        &missing,
        &[vec![("成果名称", t("缺列"))]],
        Marker::None,
    );
    assert_error(
        &refuse(&bytes, &Limits::default()),
        "template_header_missing",
        &["成果简介", "D 列", "重新下载模板"],
    );
    let mut renamed = headers();
    renamed[index_of("contact_email").unwrap()] = "邮箱";
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            r.iter()
                .filter(|(h, _)| *h != "电子邮箱")
                .cloned()
                .collect()
        })
        .collect();
    let bytes = workbook(
        DATA_SHEET,
        &renamed,
        &rows,
        Marker::DefinedName(TEMPLATE_MARKER),
    );
    assert_error(
        &refuse(&bytes, &Limits::default()),
        "template_header_missing",
        &["电子邮箱"],
    );
    // Headers written with ASCII brackets and a leading * still match.
    let loose: Vec<String> = headers()
        .iter()
        .map(|h| format!("*{}", h.replace('（', "(").replace('）', ")")))
        .collect();
    let loose: Vec<&str> = loose.iter().map(String::as_str).collect();
    let row: Vec<(&str, Cell)> = good_row("宽松表头")
        .into_iter()
        .map(|(h, c)| {
            let i = headers().iter().position(|x| *x == h).unwrap();
            (loose[i], c)
        })
        .collect();
    let b = parse(&workbook(DATA_SHEET, &loose, &[row], Marker::None));
    assert!(b.is_clean(), "{:#?}", b.problems);
}

#[test]
fn a_workbook_without_the_data_sheet_is_refused() {
    let bytes = workbook(
        "Sheet1",
        &headers(),
        &[good_row("工作表名不对")],
        Marker::None,
    );
    assert_error(
        &refuse(&bytes, &Limits::default()),
        "template_sheet_missing",
        &["成果信息"],
    );
}

#[test]
fn an_export_of_the_csl_library_imports_cleanly_and_fast_enough() {
    let vocab = vocab();
    let records = csl::records();
    let details = csl::details(&records, &vocab, records.len(), 1);
    let rows: Vec<_> = details.iter().cloned().map(Into::into).collect();
    let bytes = export_xlsx(&rows, &vocab, &Default::default()).unwrap();
    let b = parse(&bytes);
    assert!(
        b.is_clean(),
        "{:#?}",
        &b.problems[..b.problems.len().min(5)]
    );
    assert_eq!(b.rows.len(), 1000);
}

#[test]
fn rows_can_be_streamed() {
    let bytes = sheet(&[
        good_row("甲"),
        good_row("乙"),
        with(good_row("丙"), "技术水平", t("?")),
    ]);
    let batch = parse(&bytes);
    let mut rows = Vec::new();
    let summary =
        ztc_exchange::parse_xlsx_each(&bytes, &vocab(), &Limits::default(), |r| rows.push(r))
            .unwrap();
    assert_eq!(rows, batch.rows);
    assert_eq!((summary.rows, summary.valid), (3, 2));
    assert_eq!(summary.problems, batch.problems);
    assert_eq!(summary.template_version.as_deref(), Some("v1"));
}

#[test]
#[should_panic(expected = "the caller's own panic")]
fn a_panic_of_the_caller_is_not_taken_for_a_corrupt_file() {
    let bytes = sheet(&[good_row("甲")]);
    let _ = ztc_exchange::parse_xlsx_each(&bytes, &vocab(), &Limits::default(), |_| {
        panic!("the caller's own panic")
    });
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, ..Default::default() })]

    /// Arbitrary bytes, with or without a zip signature, get an answer.
    #[test]
    fn arbitrary_bytes_never_panic(
        zip_head in proptest::prelude::any::<bool>(),
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096),
    ) {
        let mut bytes = if zip_head { b"PK\x03\x04".to_vec() } else { Vec::new() };
        bytes.extend(body);
        let _ = parse_xlsx(&bytes, &vocab(), &Limits::default());
        let _ = parse_csv(&bytes, &vocab(), &Limits::default());
    }
}
