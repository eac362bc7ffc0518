//! The export running or last run, polled by the UI.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ovo_domain::OperatorId;

use crate::error::{AppError, ErrorCode};
use crate::ipc::{ExportProgress, JobState};

/// One export at a time per desk.
#[derive(Debug, Default)]
pub(crate) struct ExportJobs {
    inner: Mutex<(u64, Option<Arc<ExportJob>>)>,
}

#[derive(Debug)]
pub(crate) struct ExportJob {
    id: u64,
    pub(super) cancel: AtomicBool,
    pub(super) written: AtomicU64,
    /// Reading the ledger failed: the writer drops the file.
    pub(super) read_failed: AtomicBool,
    /// Who started it: only they follow or cancel it.
    operator: OperatorId,
    total: u64,
    path: PathBuf,
    end: Mutex<Option<ExportEnd>>,
}

#[derive(Debug, Clone)]
pub(super) enum ExportEnd {
    Finished,
    Failed(AppError),
    Cancelled,
}

pub(super) fn cancelled() -> AppError {
    AppError::new(ErrorCode::InvalidInput, "the export was cancelled")
        .with_reason("export_cancelled")
}

impl ExportJobs {
    pub(super) fn start(
        &self,
        operator: OperatorId,
        total: u64,
        path: PathBuf,
    ) -> Result<Arc<ExportJob>, AppError> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.1.as_ref().is_some_and(|job| job.running()) {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "another export is running; wait for it or cancel it",
            )
            .with_reason("export_running"));
        }
        inner.0 += 1;
        let job = Arc::new(ExportJob {
            id: inner.0,
            cancel: AtomicBool::new(false),
            written: AtomicU64::new(0),
            read_failed: AtomicBool::new(false),
            operator,
            total,
            path,
            end: Mutex::new(None),
        });
        inner.1 = Some(job.clone());
        Ok(job)
    }

    pub(super) fn job(&self, id: u64, operator: OperatorId) -> Result<Arc<ExportJob>, AppError> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.1.clone().filter(|j| j.id == id && j.operator == operator).ok_or_else(|| {
            AppError::new(ErrorCode::NotFound, "no such export (only the latest is kept)")
        })
    }
}

impl ExportJob {
    pub(super) fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub(super) fn rows(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    fn running(&self) -> bool {
        self.end.lock().unwrap_or_else(|p| p.into_inner()).is_none()
    }

    pub(super) fn end(&self, end: ExportEnd) {
        *self.end.lock().unwrap_or_else(|p| p.into_inner()) = Some(end);
    }

    pub(super) fn progress(&self) -> ExportProgress {
        let end = self.end.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let (state, error) = match end {
            None => (JobState::Running, None),
            Some(ExportEnd::Finished) => (JobState::Finished, None),
            Some(ExportEnd::Failed(e)) => (JobState::Failed, Some(e)),
            Some(ExportEnd::Cancelled) => (JobState::Cancelled, None),
        };
        ExportProgress {
            job_id: self.id,
            state,
            rows_written: self.written.load(Ordering::Relaxed),
            rows_total: self.total,
            path: self.path.display().to_string(),
            error,
        }
    }
}
