//! Attachments of an achievement: documents, images and video links. The type is
//! read from the content, never from the name; names are made safe to show and to
//! offer for download; files are stored under generated keys.

use serde::{Deserialize, Serialize};

use crate::text::FieldError;

/// Largest file accepted.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

string_enum! {
    Kind {
        Document => "document", "文档", "Document";
        Image => "image", "图片", "Image";
        Video => "video", "视频链接", "Video link";
    }
}

/// What a file's content says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub content_type: &'static str,
    pub extension: &'static str,
    pub kind: Kind,
}

/// The accepted types: (content type as detected, extension, kind).
const ACCEPTED: &[(&str, &str, Kind)] = &[
    ("application/pdf", "pdf", Kind::Document),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        Kind::Document,
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        Kind::Document,
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
        Kind::Document,
    ),
    ("application/msword", "doc", Kind::Document),
    ("application/vnd.ms-excel", "xls", Kind::Document),
    ("application/vnd.ms-powerpoint", "ppt", Kind::Document),
    ("image/png", "png", Kind::Image),
    ("image/jpeg", "jpg", Kind::Image),
    ("image/gif", "gif", Kind::Image),
    ("image/webp", "webp", Kind::Image),
];

/// Reads the type from the first bytes; refuses what is not a document or an image.
pub fn sniff(bytes: &[u8]) -> Result<Sniffed, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new("file_empty", "文件是空的").on("file"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(FieldError::new(
            "file_too_large",
            format!("文件不能超过 {} MB", MAX_BYTES / 1024 / 1024),
        )
        .on("file"));
    }
    let detected = infer::get(bytes).map(|t| t.mime_type());
    ACCEPTED
        .iter()
        .find(|(ct, _, _)| Some(*ct) == detected)
        .map(|(content_type, extension, kind)| Sniffed { content_type, extension, kind: *kind })
        .ok_or_else(|| {
            FieldError::new("file_type", "只能上传 PDF、Word、Excel、PowerPoint 文档或 PNG、JPEG、GIF、WebP 图片（按文件内容判断，而不是文件名）").on("file")
        })
}

/// A name safe to show and to offer for download: the last path component, without
/// control or reserved characters, at most 80 characters, ending in `extension`.
pub fn safe_name(name: &str, extension: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !"<>:\"/\\|?*;".contains(*c))
        .collect();
    let trimmed = cleaned.trim().trim_matches('.').trim();
    let stem = match trimmed.rsplit_once('.') {
        Some((s, ext))
            if ext.eq_ignore_ascii_case(extension)
                || (extension == "jpg" && ext.eq_ignore_ascii_case("jpeg")) =>
        {
            s.trim()
        }
        _ => trimmed,
    };
    let stem: String = stem.chars().take(80).collect();
    let stem = if stem.is_empty() {
        "附件".to_owned()
    } else {
        stem
    };
    format!("{stem}.{extension}")
}

/// A video link: an http(s) address of at most 500 characters.
pub fn video_url(input: &str) -> Result<String, FieldError> {
    let v = input.trim();
    let bad = || {
        FieldError::new(
            "url_invalid",
            "视频链接应为以 http:// 或 https:// 开头的网址",
        )
        .on("url")
    };
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if v.chars().count() > 500
        || v.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
        || !host.contains('.')
        || host.starts_with('.')
    {
        return Err(bad());
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_content() {
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".to_vec();
        assert_eq!(sniff(&pdf).unwrap().extension, "pdf");
        let png = [
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
        ];
        assert_eq!(sniff(&png).unwrap().kind, Kind::Image);
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec();
        assert_eq!(
            sniff(&exe).unwrap_err().code,
            "file_type",
            "an executable named .pdf is refused"
        );
        assert_eq!(
            sniff(b"<html><script>alert(1)</script>").unwrap_err().code,
            "file_type"
        );
        assert_eq!(sniff(b"").unwrap_err().code, "file_empty");
        assert_eq!(
            sniff(&vec![b'%'; MAX_BYTES + 1]).unwrap_err().code,
            "file_too_large"
        );
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd", "pdf"), "passwd.pdf");
        assert_eq!(
            safe_name("C:\\Users\\x\\检测报告.PDF", "pdf"),
            "检测报告.pdf"
        );
        assert_eq!(safe_name("photo.jpeg", "jpg"), "photo.jpg");
        assert_eq!(safe_name("report.exe", "pdf"), "report.exe.pdf");
        assert_eq!(safe_name("\u{0}<script>.pdf", "pdf"), "script.pdf");
        assert_eq!(safe_name("...", "png"), "附件.png");
        assert_eq!(safe_name(&"长".repeat(200), "pdf").chars().count(), 84);
    }

    #[test]
    fn video_links() {
        assert!(video_url("https://v.example.cn/watch?id=1").is_ok());
        for bad in [
            "ftp://x.cn/a",
            "javascript:alert(1)",
            "https://",
            "https://nodot/x",
            "https://a.cn/\"onerror",
            "http://a b.cn",
        ] {
            assert!(video_url(bad).is_err(), "{bad}");
        }
    }
}
