//! Checks on the .xlsx container before any part of it is decompressed.
//!
//! The sizes come from the zip central directory. They cannot be used to lie:
//! the `zip` crate refuses to produce more bytes than an entry declares, so a part
//! that claims to be small fails to read instead of filling memory.

use std::io::Cursor;

use crate::error::{ExchangeError, Limits};

/// What the first bytes say the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniff {
    Zip,
    /// An OLE compound file: an old .xls, or an encrypted .xlsx.
    Ole {
        encrypted: bool,
    },
    Other,
}

pub(crate) fn sniff(bytes: &[u8]) -> Sniff {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Sniff::Zip;
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // An encrypted OOXML file is an OLE container with a stream named
        // "EncryptedPackage" (its directory entry is UTF-16LE).
        let name: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let encrypted = bytes.windows(name.len()).any(|w| w == name.as_slice());
        return Sniff::Ole { encrypted };
    }
    Sniff::Other
}

/// Refuses containers whose parts would decompress to too much.
pub(crate) fn inspect(bytes: &[u8], limits: &Limits) -> Result<(), ExchangeError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(ExchangeError::corrupt)?;
    let n = archive.len();
    if n > limits.max_entries {
        return Err(ExchangeError::ZipBomb {
            detail: format!("包含 {n} 个部件"),
        });
    }
    let mut total: u64 = 0;
    for i in 0..n {
        let entry = archive.by_index_raw(i).map_err(ExchangeError::corrupt)?;
        let size = entry.size();
        let packed = entry.compressed_size();
        total = total.saturating_add(size);
        if total > limits.max_uncompressed {
            return Err(ExchangeError::ZipBomb {
                detail: format!("解压后超过 {} MB", limits.max_uncompressed / (1024 * 1024)),
            });
        }
        if size > limits.ratio_min_size && size > packed.saturating_mul(limits.max_ratio) {
            let ratio = size.checked_div(packed).unwrap_or(u64::MAX);
            return Err(ExchangeError::ZipBomb {
                detail: format!("压缩比 {ratio}:1"),
            });
        }
    }
    Ok(())
}
