//! Metadata change detection: files whose metadata equals the previous snapshot's keep that
//! snapshot's payload chunks, injected into the new payload index without reading the file.
//!
//! Reads only the previous metadata archive (`.mpxar`) and index of the payload (`.ppxar`); never
//! reads or re-uploads payload data of unchanged files.

use crate::archive::create::{PayloadReuse, Reused};
use crate::engine::backup::{EngineError, Result};
use crate::engine::pipeline::{default_workers, ChunkUploader};
use crate::engine::reader::{AnyIndex, ChunkReader, PrefetchReader};
use crate::format::digest::ChunkDigest;
use crate::format::index::DynamicIndex;
use crate::format::pxar::decoder::Decoder;
use crate::format::pxar::{EntryKind, Metadata, HEADER_LEN};
use std::collections::HashMap;
use std::io::BufReader;
use std::sync::{Arc, Mutex};

/// A contiguous stretch of previous chunks already injected into the new payload stream.
#[derive(Debug, Clone, Copy)]
struct Run {
    first_chunk: usize,
    last_chunk: usize,
    /// New payload offset minus old payload offset inside this run.
    delta: i128,
    /// Payload position right after the run (nothing else was written when this still holds).
    new_end: u64,
}

/// The previous snapshot's files and payload index, and the new payload uploader.
pub struct PreviousPayload {
    files: HashMap<Vec<u8>, (Metadata, u64, u64)>,
    index: DynamicIndex,
    uploader: Arc<Mutex<Option<ChunkUploader>>>,
    run: Option<Run>,
    pub reused_bytes: u64,
}

impl PreviousPayload {
    /// Reads the previous `.mpxar` stream (metadata only) and keeps the `.ppxar` index.
    pub fn load(
        metadata_chunks: Arc<ChunkReader>,
        metadata_index: AnyIndex,
        payload_index: AnyIndex,
        uploader: Arc<Mutex<Option<ChunkUploader>>>,
    ) -> Result<Self> {
        let AnyIndex::Dynamic(index) = payload_index else {
            return Err(EngineError::Refused(
                "previous payload index is not a dynamic index".into(),
            ));
        };
        let stream = BufReader::with_capacity(
            1 << 20,
            PrefetchReader::new(metadata_chunks, Arc::new(metadata_index), default_workers()),
        );
        let mut decoder = Decoder::new(stream);
        let mut files = HashMap::new();
        while let Some(entry) = decoder.next_entry().map_err(|source| EngineError::Format {
            what: "previous metadata archive".into(),
            source,
        })? {
            if let EntryKind::File {
                size,
                payload_offset,
                split: true,
            } = entry.kind
            {
                let path = entry
                    .path
                    .strip_prefix(b"/")
                    .unwrap_or(&entry.path)
                    .to_vec();
                files.insert(
                    path,
                    (
                        entry.metadata,
                        size,
                        payload_offset.saturating_sub(HEADER_LEN),
                    ),
                );
            }
        }
        Ok(PreviousPayload {
            files,
            index,
            uploader,
            run: None,
            reused_bytes: 0,
        })
    }

    fn inject(&self, first: usize, last: usize) -> Option<u64> {
        let chunks: Vec<(ChunkDigest, u64)> = (first..=last)
            .map(|i| {
                let (start, end) = self.index.chunk_range(i)?;
                Some((*self.index.digest(i)?, end - start))
            })
            .collect::<Option<_>>()?;
        let total = chunks.iter().map(|(_, s)| s).sum();
        let mut slot = self.uploader.lock().ok()?;
        slot.as_mut()?.inject(&chunks).ok()?;
        Some(total)
    }
}

impl PayloadReuse for PreviousPayload {
    fn try_reuse(
        &mut self,
        path: &[u8],
        metadata: &Metadata,
        size: u64,
        payload_position: u64,
    ) -> Option<Reused> {
        let (old_meta, old_size, old_header) = self.files.get(path)?;
        if old_meta != metadata || *old_size != size {
            return None;
        }
        let old_header = *old_header;
        let old_end = old_header.checked_add(HEADER_LEN)?.checked_add(size)?;
        let first = self.index.chunk_at(old_header)?;
        let last = self.index.chunk_at(old_end.checked_sub(1)?)?;
        // Continue the current run when nothing was written since and the file starts in it.
        if let Some(run) = self.run {
            if run.new_end == payload_position
                && first >= run.first_chunk
                && first <= run.last_chunk + 1
            {
                let advance = if last > run.last_chunk {
                    self.inject(run.last_chunk + 1, last)?
                } else {
                    0
                };
                let header_offset = u64::try_from(old_header as i128 + run.delta).ok()?;
                self.run = Some(Run {
                    last_chunk: run.last_chunk.max(last),
                    new_end: run.new_end + advance,
                    ..run
                });
                self.reused_bytes += size;
                return Some(Reused {
                    header_offset,
                    advance,
                });
            }
        }
        let chunk_start = self.index.chunk_range(first)?.0;
        let chunk_end = self.index.chunk_range(last)?.1;
        // Starting a new run injects the bytes before this file in its first chunk too. Like
        // PBS (which gives up above 10 % padding), read the file again instead when those bytes
        // would be more than a tenth of what is injected: this bounds both the wasted payload
        // and the files re-read after a change (at most about one chunk's worth).
        let leading = old_header - chunk_start;
        if leading.saturating_mul(10) > chunk_end - chunk_start {
            return None;
        }
        let advance = self.inject(first, last)?;
        let delta = payload_position as i128 - chunk_start as i128;
        let header_offset = u64::try_from(old_header as i128 + delta).ok()?;
        self.run = Some(Run {
            first_chunk: first,
            last_chunk: last,
            delta,
            new_end: payload_position + advance,
        });
        self.reused_bytes += size;
        Some(Reused {
            header_offset,
            advance,
        })
    }
}
