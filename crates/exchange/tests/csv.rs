//! CSV imports: encodings, formulas, headers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::vocab;
use ztc_exchange::{Batch, COLUMNS, ExchangeError, Limits, parse_csv};

fn header() -> String {
    COLUMNS
        .iter()
        .map(|c| c.header)
        .collect::<Vec<_>>()
        .join(",")
}

/// A CSV line with the given (header, value) cells, others empty.
fn line(cells: &[(&str, &str)]) -> String {
    COLUMNS
        .iter()
        .map(|c| {
            let v = cells
                .iter()
                .find(|(h, _)| *h == c.header)
                .map(|(_, v)| *v)
                .unwrap_or("");
            if v.contains([',', '"', '\n']) {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn good(title: &str) -> Vec<(&str, &str)> {
    vec![
        ("成果名称", title),
        ("技术领域（子领域）", "1.5 人工智能"),
        ("关键词", "机器学习、图像识别"),
        ("成果简介", "一种图像识别方法，准确率高，\"可靠\"。"),
        ("技术内容与创新点", "卷积网络,\n注意力机制。"),
        ("与现有方案相比的优势", "速度快。"),
        ("技术水平", "国际先进"),
        ("技术就绪水平", "5"),
        ("成果所处阶段", "小试"),
        ("意向合作方式", "技术许可；技术入股"),
        ("转化路径", "与企业合作开发。"),
        ("应用场景与市场前景", "安防、医疗影像。"),
        ("成果来源", "省部级计划"),
        ("联系人", "李娜"),
        ("联系电话", "'+86 20 8888 6666"),
        ("是否愿意参加路演（是/否）", "是"),
    ]
}

fn file(rows: &[Vec<(&str, &str)>]) -> String {
    let mut s = header();
    for r in rows {
        s.push_str("\r\n");
        s.push_str(&line(r));
    }
    s.push_str("\r\n");
    s
}

fn parse(bytes: &[u8]) -> Result<Batch, ExchangeError> {
    parse_csv(bytes, &vocab(), &Limits::default())
}

#[test]
fn utf8_with_and_without_bom() {
    let text = file(&[good("图像识别方法"), good("第二项")]);
    let plain = parse(text.as_bytes()).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let with_bom = parse(&bom).unwrap();
    for b in [&plain, &with_bom] {
        assert!(b.is_clean(), "{:#?}", b.problems);
        assert_eq!(b.rows.len(), 2);
        assert_eq!(b.rows[0].number, 2);
        let d = b.rows[0].valid().unwrap();
        assert_eq!(d.title, "图像识别方法");
        assert_eq!(d.subfield.as_deref(), Some("1.5"));
        assert_eq!(d.technical.as_deref(), Some("卷积网络,\n注意力机制。"));
        assert_eq!(
            d.summary.as_deref(),
            Some("一种图像识别方法，准确率高，\"可靠\"。")
        );
        assert_eq!(d.contact_phone.as_deref(), Some("+86 20 8888 6666"));
        assert_eq!(d.cooperation_modes, vec!["licence", "equity"]);
    }
    assert_eq!(plain, with_bom);
}

#[test]
fn gb18030_from_chinese_excel_is_read() {
    let text = file(&[good("国标编码的文件")]);
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really not UTF-8");
    let b = parse(&gbk).unwrap();
    assert!(b.is_clean(), "{:#?}", b.problems);
    assert_eq!(b.rows[0].valid().unwrap().title, "国标编码的文件");
}

#[test]
fn unreadable_encodings_ask_for_utf8() {
    let text = file(&[good("UTF-16")]);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let e = parse(&utf16).unwrap_err();
    assert_eq!(e.code(), "csv_encoding");
    assert!(e.message().contains("UTF-8"), "{}", e.message());
    let e = parse(&[0x81, 0x20, 0xFF, 0xFF, 0x80]).unwrap_err();
    assert_eq!(e.code(), "csv_encoding");
    // An Excel file uploaded as CSV.
    let xlsx = ztc_exchange::template(&vocab()).unwrap();
    assert_eq!(parse(&xlsx).unwrap_err().code(), "csv_encoding");
    // An old .xls file sent as CSV.
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.resize(2048, 0);
    assert_eq!(parse(&xls).unwrap_err().code(), "legacy_xls");
}

#[test]
fn formulas_are_refused_unless_quoted() {
    let b = parse(
        file(&[
            {
                let mut r = good("公式");
                r.retain(|(h, _)| *h != "成果简介");
                r.push(("成果简介", "=HYPERLINK(\"http://x\",\"点我\")"));
                r
            },
            {
                let mut r = good("引号保护");
                r.retain(|(h, _)| *h != "成果简介");
                r.push(("成果简介", "'=1+1 是一个等式"));
                r
            },
        ])
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(b.problems.len(), 1, "{:#?}", b.problems);
    let p = &b.problems[0];
    assert_eq!(
        (p.row, p.column.as_str(), p.code.as_str()),
        (2, "D", "formula_cell")
    );
    assert!(p.message.contains("公式"));
    assert_eq!(
        b.rows[1].valid().unwrap().summary.as_deref(),
        Some("=1+1 是一个等式")
    );
}

#[test]
fn file_level_errors() {
    assert_eq!(parse(b"").unwrap_err().code(), "file_empty");
    assert_eq!(
        parse(b"\xEF\xBB\xBF \r\n").unwrap_err().code(),
        "file_empty"
    );
    assert_eq!(parse(header().as_bytes()).unwrap_err().code(), "no_rows");
    let renamed = header().replace("联系人", "联系人姓名");
    let e = parse(format!("{renamed}\r\n{}", line(&good("x"))).as_bytes()).unwrap_err();
    assert_eq!(e.code(), "template_header_missing");
    assert!(e.message().contains("联系人"), "{}", e.message());
    let semicolons = header().replace(',', ";");
    assert_eq!(
        parse(semicolons.as_bytes()).unwrap_err().code(),
        "template_header_missing"
    );
    let l = Limits {
        max_rows: 1,
        ..Limits::default()
    };
    let two = file(&[good("一"), good("二")]);
    assert_eq!(
        parse_csv(two.as_bytes(), &vocab(), &l).unwrap_err().code(),
        "too_many_rows"
    );
}

#[test]
fn short_rows_and_stray_quotes_do_not_panic() {
    let text = format!("{}\r\n甲,1.5\r\n\"乙,\"\"未闭合\r\n,,,,\r\n", header());
    let b = parse(text.as_bytes()).unwrap();
    assert_eq!(b.rows.len(), 2);
    assert!(
        b.problems
            .iter()
            .any(|p| p.row == 2 && p.code == "field_required")
    );
}

/// A file whose rows carry a 更多知识产权 cell after the template's columns.
fn file_with_more_ip(rows: &[(Vec<(&str, &str)>, &str)]) -> String {
    let mut s = format!("{},更多知识产权", header());
    for (cells, more) in rows {
        s.push_str("\r\n");
        s.push_str(&line(cells));
        s.push_str(&format!(",\"{}\"", more.replace('"', "\"\"")));
    }
    s
}

#[test]
fn ip_items_beyond_the_third_come_from_their_own_column() {
    let mut first = good("四项知识产权的成果");
    first.extend([
        ("知识产权（一）类型", "发明专利"),
        ("知识产权（一）名称", "一种图像识别方法"),
        ("知识产权（一）号码", "201710601862.3"),
        ("知识产权（一）状态", "已授权"),
    ]);
    let more = "软件著作权｜图像标注软件｜2020SR000004｜已登记\n软件著作权 | 模型训练平台 | 2020SR000005 | 已登记";
    let b = parse_csv(
        file_with_more_ip(&[(first.clone(), more)]).as_bytes(),
        &vocab(),
        &Limits::default(),
    )
    .unwrap();
    assert!(b.is_clean(), "{:#?}", b.problems);
    let ip = &b.rows[0].valid().unwrap().ip;
    let titles: Vec<&str> = ip.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["一种图像识别方法", "图像标注软件", "模型训练平台"]);

    // A bad patent number and an unknown state in that column are reported there.
    let bad = "发明专利｜另一种方法｜201710601862.4｜已授权\n软件著作权｜某软件｜2020SR1｜审查中";
    let b = parse_csv(
        file_with_more_ip(&[(first, bad)]).as_bytes(),
        &vocab(),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(b.valid_rows().count(), 0);
    assert!(
        b.problems.iter().all(|p| p.header == "更多知识产权"),
        "{:#?}",
        b.problems
    );
    assert!(b.problems.iter().any(|p| p.message.contains("状态")));
    assert!(
        b.problems.iter().any(|p| p.code.starts_with("patent_")),
        "{:#?}",
        b.problems
    );
    assert_eq!(b.problems[0].column, ztc_exchange::letter(COLUMNS.len()));
}
