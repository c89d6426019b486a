//! Where uploaded photos go: a store the host provides. The console hashes what it is given
//! and records the URI the store returns as the evidence.

use std::future::Future;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// A host's store of evidence files.
pub trait EvidenceStore: Send + Sync + 'static {
    /// Stores `bytes` (of `media_type`, named `name` by the uploader, SHA-256 `sha256`) and
    /// returns its absolute URI.
    fn put(
        &self,
        name: &str,
        media_type: &str,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> impl Future<Output = Result<String, String>> + Send;
}

/// Files in a directory, named by their SHA-256 (the default; a host would use its own
/// document store).
#[derive(Clone, Debug)]
pub struct DirEvidenceStore {
    dir: PathBuf,
}

impl DirEvidenceStore {
    /// Files under `dir` (created when missing).
    pub fn new(dir: impl Into<PathBuf>) -> DirEvidenceStore {
        DirEvidenceStore { dir: dir.into() }
    }
}

impl EvidenceStore for DirEvidenceStore {
    async fn put(
        &self,
        name: &str,
        _media_type: &str,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> Result<String, String> {
        let ext = std::path::Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or("bin");
        tokio::fs::create_dir_all(&self.dir).await.map_err(|e| e.to_string())?;
        let path = self.dir.join(format!("{sha256}.{ext}"));
        tokio::fs::write(&path, bytes).await.map_err(|e| e.to_string())?;
        let absolute = std::path::absolute(&path).map_err(|e| e.to_string())?;
        Ok(format!("file://{}", absolute.display()))
    }
}

/// The SHA-256 of `bytes`, 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
