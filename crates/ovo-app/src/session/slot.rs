//! The signed-in operator of this desktop, kept between calls.

use std::sync::{Mutex, MutexGuard};

use ovo_domain::{OperatorId, Timestamp};

/// The signed-in operator of this desktop.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub operator_id: OperatorId,
    pub locked: bool,
    pub last_activity: Timestamp,
}

/// Why the idle lock locked a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdleLockCause {
    Idle,
    ClockMovedBack,
}

impl IdleLockCause {
    pub fn key(self) -> &'static str {
        match self {
            IdleLockCause::Idle => "idle",
            IdleLockCause::ClockMovedBack => "clock_moved_back",
        }
    }
}

/// The session, if anyone is signed in.
#[derive(Debug, Default)]
pub(crate) struct SessionSlot {
    current: Mutex<Option<Session>>,
}

impl SessionSlot {
    fn guard(&self) -> MutexGuard<'_, Option<Session>> {
        // A panic while holding this lock cannot leave it half-written: the guard is only
        // held for plain field updates.
        self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn current(&self) -> Option<Session> {
        self.guard().clone()
    }

    pub fn start(&self, operator_id: OperatorId, now: Timestamp) {
        *self.guard() = Some(Session { operator_id, locked: false, last_activity: now });
    }

    /// Ends the session; returns the one that ended.
    pub fn end(&self) -> Option<Session> {
        self.guard().take()
    }

    /// Records that the operator of an unlocked session is present: only input the operator made
    /// counts, never a call the UI makes by itself.
    pub fn touch(&self, now: Timestamp) {
        if let Some(session) = self.guard().as_mut().filter(|s| !s.locked) {
            session.last_activity = now;
        }
    }

    /// Locks an unlocked session; returns its operator when it was unlocked until now.
    pub fn lock(&self) -> Option<OperatorId> {
        self.lock_when(|_| true)
    }

    /// Locks an unlocked session idle for `idle_ms` or more at `now`, or whose last activity
    /// lies after `now` (the clock stepped back: how long it was idle is unknown).
    pub fn lock_if_idle(
        &self,
        now: Timestamp,
        idle_ms: i64,
    ) -> Option<(OperatorId, IdleLockCause)> {
        let mut cause = IdleLockCause::Idle;
        let id = self.lock_when(|s| {
            let idle = now.unix_millis() - s.last_activity.unix_millis();
            if idle < 0 {
                cause = IdleLockCause::ClockMovedBack;
            }
            idle < 0 || idle >= idle_ms
        })?;
        Some((id, cause))
    }

    fn lock_when(&self, due: impl FnOnce(&Session) -> bool) -> Option<OperatorId> {
        let mut slot = self.guard();
        let session = slot.as_mut().filter(|s| !s.locked && due(s))?;
        session.locked = true;
        Some(session.operator_id)
    }

    pub fn unlock(&self, now: Timestamp) {
        if let Some(session) = self.guard().as_mut() {
            session.locked = false;
            session.last_activity = now;
        }
    }
}
