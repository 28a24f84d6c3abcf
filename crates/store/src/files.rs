//! The object store for attachment files: one interface (the `object_store` crate),
//! local disk by default (`data/files`); an S3-compatible bucket can be put behind
//! the same interface.

use std::path::Path;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::{Result, StoreError};

#[derive(Clone, Debug)]
pub struct Files {
    inner: Arc<dyn ObjectStore>,
}

fn err(e: object_store::Error) -> StoreError {
    match e {
        object_store::Error::NotFound { .. } => StoreError::NotFound,
        other => StoreError::Other(format!("object store: {other}")),
    }
}

impl Files {
    /// Files under `dir` on local disk (created if missing).
    pub fn local(dir: &Path) -> Result<Files> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Other(format!("cannot create {}: {e}", dir.display())))?;
        let fs = LocalFileSystem::new_with_prefix(dir).map_err(err)?;
        Ok(Files {
            inner: Arc::new(fs),
        })
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        self.inner
            .put(&Key::from(key), PutPayload::from(bytes))
            .await
            .map_err(err)?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>> {
        let r = self.inner.get(&Key::from(key)).await.map_err(err)?;
        Ok(r.bytes().await.map_err(err)?.to_vec())
    }

    pub async fn delete(&self, key: &str) -> Result<()> {
        self.inner.delete(&Key::from(key)).await.map_err(err)
    }
}
