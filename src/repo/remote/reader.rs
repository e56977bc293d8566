//! The reader protocol (SPEC: protocol.md §5): one HTTP/2 session per snapshot that downloads
//! files and the chunks of indexes downloaded in the same session.
//!
//! Returns raw bytes as stored; the engine's chunk reader verifies them.

use super::client::{h2_call, Client, H2};
use super::RemoteError;
use crate::format::digest::ChunkDigest;
use crate::format::index::{DynamicIndex, FixedIndex};
use crate::format::limits;
use crate::repo::types::{Namespace, SnapshotRef};
use bytes::Bytes;
use http::Method;
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

pub const READER_PROTOCOL: &str = "proxmox-backup-reader-protocol-v1";

/// An open reader session.
pub struct ReaderSession {
    pub ns: Namespace,
    pub snapshot: SnapshotRef,
    h2: H2,
    allowed: Mutex<HashSet<ChunkDigest>>,
    indexes: Mutex<Vec<String>>,
}

impl ReaderSession {
    pub async fn open(
        client: Arc<Client>,
        ns: Namespace,
        snapshot: SnapshotRef,
    ) -> Result<Self, RemoteError> {
        let mut p = json!({
            "store": client.repo.store,
            "backup-type": snapshot.group.ty.as_str(),
            "backup-id": snapshot.group.id,
            "backup-time": snapshot.time,
        });
        if !ns.is_root() {
            p["ns"] = json!(ns.to_string());
        }
        let path = format!("/api2/json/reader?{}", super::client::query_string(&p));
        let h2 = client.upgrade(&path, READER_PROTOCOL).await?;
        Ok(ReaderSession {
            ns,
            snapshot,
            h2,
            allowed: Mutex::new(HashSet::new()),
            indexes: Mutex::new(Vec::new()),
        })
    }

    pub fn is_alive(&self) -> bool {
        !self.h2.is_closed()
    }

    pub fn allows(&self, d: &ChunkDigest) -> bool {
        self.allowed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(d)
    }

    pub fn index_names(&self) -> Vec<String> {
        self.indexes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A whole file of the snapshot; an index's chunks become downloadable.
    pub async fn download(&self, name: &str) -> Result<Vec<u8>, RemoteError> {
        let q = form_urlencoded::Serializer::new(String::new())
            .append_pair("file-name", name)
            .finish();
        let body = h2_call(
            &self.h2,
            Method::GET,
            &format!("download?{q}"),
            Bytes::new(),
            "application/x-www-form-urlencoded",
            super::MAX_FILE_DOWNLOAD,
        )
        .await
        .map_err(|e| name_err(e, &format!("{}/{name}", self.snapshot)))?;
        let digests = if name.ends_with(".didx") {
            DynamicIndex::decode(&body)
                .ok()
                .map(|i| i.digests().to_vec())
        } else if name.ends_with(".fidx") {
            FixedIndex::decode(&body).ok().map(|i| i.digests().to_vec())
        } else {
            None
        };
        if let Some(d) = digests {
            self.allowed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(d);
            let mut names = self.indexes.lock().unwrap_or_else(|e| e.into_inner());
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        Ok(body.to_vec())
    }

    /// An encoded chunk as stored on the server.
    pub async fn chunk(&self, digest: &ChunkDigest) -> Result<Vec<u8>, RemoteError> {
        let body = h2_call(
            &self.h2,
            Method::GET,
            &format!("chunk?digest={}", digest.to_hex()),
            Bytes::new(),
            "application/x-www-form-urlencoded",
            // LIMIT: an encoded chunk is at most MAX_CHUNK_SIZE plus the blob header.
            limits::MAX_CHUNK_SIZE + 64,
        )
        .await
        .map_err(|e| name_err(e, &format!("chunk {digest}")))?;
        Ok(body.to_vec())
    }
}

fn name_err(e: RemoteError, what: &str) -> RemoteError {
    match e {
        RemoteError::Http {
            status, message, ..
        } => RemoteError::Http {
            status,
            what: what.to_string(),
            message,
        },
        other => other,
    }
}
