//! What the sandbox received and what it delivered, for the control API and tests.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::lock;
use serde::Serialize;

/// How many requests and notifications a journal keeps unless told otherwise.
pub const DEFAULT_CAPACITY: usize = 10_000;

#[derive(Debug, Clone, Serialize)]
pub struct Received {
    pub seq: u64,
    pub at: String,
    pub product: &'static str,
    pub method: String,
    pub path: String,
    /// The documented path it matched (with `{param}` placeholders).
    pub endpoint: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub status: Option<u16>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub at: String,
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub seq: u64,
    pub product: &'static str,
    pub kind: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Sent with a deliberately wrong signature (a fault drill).
    pub tampered: bool,
    /// The same bytes as this earlier delivery, sent again (a `replay_notification` drill).
    pub replay_of: Option<u64>,
    pub attempts: Vec<Attempt>,
    pub delivered: bool,
}

/// The newest `capacity` requests and notifications; the oldest go first.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    received: Mutex<VecDeque<Received>>,
    deliveries: Mutex<VecDeque<Delivery>>,
    seq: std::sync::atomic::AtomicU64,
}

impl Default for Journal {
    fn default() -> Self {
        Journal::keeping(DEFAULT_CAPACITY)
    }
}

impl Journal {
    pub fn keeping(capacity: usize) -> Journal {
        Journal {
            capacity: capacity.max(1),
            received: Mutex::default(),
            deliveries: Mutex::default(),
            seq: std::sync::atomic::AtomicU64::default(),
        }
    }

    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    }

    pub fn record(&self, received: Received) {
        let mut log = lock(&self.received);
        if log.len() >= self.capacity {
            log.pop_front();
        }
        log.push_back(received);
    }

    pub fn set_status(&self, seq: u64, status: u16) {
        if let Some(r) = lock(&self.received).iter_mut().rev().find(|r| r.seq == seq) {
            r.status = Some(status);
        }
    }

    pub fn received(&self, product: Option<&str>) -> Vec<Received> {
        lock(&self.received)
            .iter()
            .filter(|r| product.is_none_or(|p| r.product == p))
            .cloned()
            .collect()
    }

    pub fn start_delivery(&self, delivery: Delivery) {
        let mut log = lock(&self.deliveries);
        if log.len() >= self.capacity {
            log.pop_front();
        }
        log.push_back(delivery);
    }

    pub fn add_attempt(&self, seq: u64, attempt: Attempt, delivered: bool) {
        if let Some(d) = lock(&self.deliveries).iter_mut().rev().find(|d| d.seq == seq) {
            d.attempts.push(attempt);
            d.delivered |= delivered;
        }
    }

    pub fn deliveries(&self, product: Option<&str>) -> Vec<Delivery> {
        lock(&self.deliveries)
            .iter()
            .filter(|d| product.is_none_or(|p| d.product == p))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        lock(&self.received).clear();
        lock(&self.deliveries).clear();
    }
}
