//! The import running or last run, polled by the UI.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{AppError, ErrorCode};
use crate::ipc::*;

/// One import at a time, polled by the UI.
#[derive(Debug, Default)]
pub(crate) struct ImportJobs {
    pub(super) next_id: u64,
    pub(super) current: Option<Arc<ImportJob>>,
}

#[derive(Debug)]
pub(crate) struct ImportJob {
    pub(super) id: u64,
    pub(super) cancel: AtomicBool,
    pub(super) writing: AtomicBool,
    pub(super) bytes_total: u64,
    pub(super) bytes_read: Arc<AtomicU64>,
    pub(super) rows_read: AtomicU64,
    pub(super) end: Mutex<Option<JobEnd>>,
}

#[derive(Debug, Clone)]
pub(super) enum JobEnd {
    Finished { summary: ImportSummary, rejects: Option<(PathBuf, u64)> },
    Failed(AppError),
    Cancelled,
}

pub(super) fn cancelled() -> AppError {
    AppError::new(ErrorCode::InvalidInput, "the import was cancelled")
        .with_reason("import_cancelled")
}

impl ImportJob {
    pub(super) fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub(super) fn progress(&self) -> ImportProgress {
        let end = self.end.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let (state, summary, error) = match end {
            None => (JobState::Running, None, None),
            Some(JobEnd::Finished { summary, .. }) => (JobState::Finished, Some(summary), None),
            Some(JobEnd::Failed(e)) => (JobState::Failed, None, Some(e)),
            Some(JobEnd::Cancelled) => (JobState::Cancelled, None, None),
        };
        ImportProgress {
            job_id: self.id,
            state,
            phase: if self.writing.load(Ordering::Relaxed) {
                ImportPhase::Writing
            } else {
                ImportPhase::Reading
            },
            bytes_read: self.bytes_read.load(Ordering::Relaxed).min(self.bytes_total),
            bytes_total: self.bytes_total,
            rows_read: self.rows_read.load(Ordering::Relaxed),
            summary,
            error,
        }
    }
}
