//! File-level errors and the limits that guard against hostile files.

/// Limits applied to an uploaded file before and while it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes (default 50 MB).
    pub max_bytes: u64,
    /// Most data rows accepted (default 100,000).
    pub max_rows: usize,
    /// Largest total uncompressed size of an .xlsx's parts (default 500 MB).
    pub max_uncompressed: u64,
    /// Highest compression ratio of one part (default 200:1) …
    pub max_ratio: u64,
    /// … checked for parts larger than this once uncompressed (default 10 MB).
    pub ratio_min_size: u64,
    /// Most parts in the .xlsx container (default 10,000).
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 50 * 1024 * 1024,
            max_rows: 100_000,
            max_uncompressed: 500 * 1024 * 1024,
            max_ratio: 200,
            ratio_min_size: 10 * 1024 * 1024,
            max_entries: 10_000,
        }
    }
}

fn mb(bytes: u64) -> String {
    let m = bytes as f64 / (1024.0 * 1024.0);
    if m >= 10.0 {
        format!("{m:.0}")
    } else {
        format!("{m:.1}")
    }
}

/// Why a whole file cannot be imported (or an export could not be made). Each has
/// a stable [`code`](ExchangeError::code) and a Chinese [`message`](ExchangeError::message)
/// (also its `Display`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    #[error("文件过大（{} MB），单个文件不能超过 {} MB，请拆分后分批导入", mb(*size), mb(*max))]
    TooLarge { size: u64, max: u64 },

    #[error("文件是空的，请选择填写好的 Excel 文件（.xlsx）")]
    Empty,

    #[error("文件不是有效的 Excel 文件（.xlsx），请使用下载的模板填写后上传")]
    NotSpreadsheet,

    #[error("这是旧版 Excel 文件（.xls），请在 Excel 中“另存为” .xlsx 格式后再上传")]
    LegacyXls,

    #[error("文件设置了打开密码，系统无法读取，请取消密码保护后再上传")]
    Encrypted,

    #[error(
        "文件不是有效的 Excel 文件，或已损坏、不完整（可能未上传完），请在 Excel 中重新保存后上传"
    )]
    Corrupt { detail: String },

    #[error("文件解压后过大或压缩比异常（{detail}），疑似恶意文件，已拒绝处理")]
    ZipBomb { detail: String },

    #[error(
        "模板版本不符（文件为 {found}，当前为 {expected}），请重新下载模板，把数据复制到新模板后再上传"
    )]
    TemplateVersion {
        found: String,
        expected: &'static str,
    },

    #[error("找不到工作表“{sheet}”，请重新下载模板，并在“{sheet}”工作表中填写")]
    MissingSheet { sheet: &'static str },

    #[error("缺少列“{header}”（模板中在 {column} 列），表头可能被修改或删除，请重新下载模板后填写")]
    MissingHeader {
        header: &'static str,
        column: String,
    },

    #[error("数据行数超过上限（最多 {max} 行），请拆分后分批导入")]
    TooManyRows { max: usize },

    #[error("文件中没有可导入的数据行（第 2 行起填写，每行一项成果）")]
    NoRows,

    #[error("CSV 文件的编码无法识别，请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后再上传")]
    CsvEncoding,

    #[error("CSV 文件格式有误（第 {line} 行附近），请检查引号是否成对，或改用 Excel 模板")]
    CsvMalformed { line: u64 },

    #[error("生成文件失败，请稍后重试")]
    Write { detail: String },
}

impl ExchangeError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ExchangeError::TooLarge { .. } => "file_too_large",
            ExchangeError::Empty => "file_empty",
            ExchangeError::NotSpreadsheet => "not_xlsx",
            ExchangeError::LegacyXls => "legacy_xls",
            ExchangeError::Encrypted => "file_encrypted",
            ExchangeError::Corrupt { .. } => "file_corrupt",
            ExchangeError::ZipBomb { .. } => "zip_bomb",
            ExchangeError::TemplateVersion { .. } => "template_version",
            ExchangeError::MissingSheet { .. } => "template_sheet_missing",
            ExchangeError::MissingHeader { .. } => "template_header_missing",
            ExchangeError::TooManyRows { .. } => "too_many_rows",
            ExchangeError::NoRows => "no_rows",
            ExchangeError::CsvEncoding => "csv_encoding",
            ExchangeError::CsvMalformed { .. } => "csv_invalid",
            ExchangeError::Write { .. } => "export_failed",
        }
    }

    /// The message shown to a Chinese reader.
    pub fn message(&self) -> String {
        self.to_string()
    }

    pub(crate) fn corrupt(detail: impl std::fmt::Display) -> Self {
        ExchangeError::Corrupt {
            detail: detail.to_string(),
        }
    }
}

impl From<rust_xlsxwriter::XlsxError> for ExchangeError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ExchangeError::Write {
            detail: e.to_string(),
        }
    }
}

impl From<csv::Error> for ExchangeError {
    fn from(e: csv::Error) -> Self {
        ExchangeError::Write {
            detail: e.to_string(),
        }
    }
}
