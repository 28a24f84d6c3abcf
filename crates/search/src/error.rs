//! The crate's one error type.

/// What can go wrong with the index. User input never produces an error: a
/// query that cannot be understood is answered with an empty result.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index files could not be opened or created.
    #[error("search index directory: {0}")]
    Directory(String),
    /// tantivy reported a failure (I/O, corrupt segment, writer lock held …).
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Reading the index files failed.
    #[error("search index I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The index writer lock was poisoned by a panic in another thread.
    #[error("search index writer is unusable after a panic")]
    Poisoned,
}

impl From<tantivy::directory::error::OpenDirectoryError> for SearchError {
    fn from(e: tantivy::directory::error::OpenDirectoryError) -> Self {
        SearchError::Directory(e.to_string())
    }
}

/// Result alias used across the crate.
pub type Result<T, E = SearchError> = std::result::Result<T, E>;
