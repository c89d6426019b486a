//! Notifiers for tests: one that records every delivery, one that fails on demand.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use hazardloop_core::notify::{BoxFuture, Delivery, DeliveryError, Notifier};

/// Records every delivery it is given. Clones share the record.
#[derive(Clone, Debug, Default)]
pub struct RecordingNotifier {
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl RecordingNotifier {
    /// A notifier with an empty record.
    pub fn new() -> RecordingNotifier {
        RecordingNotifier::default()
    }

    /// Every delivery so far, in order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Forgets the record.
    pub fn clear(&self) {
        self.deliveries.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

impl Notifier for RecordingNotifier {
    fn name(&self) -> &str {
        "recording"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        self.deliveries.lock().unwrap_or_else(PoisonError::into_inner).push(delivery.clone());
        Box::pin(async { Ok(()) })
    }
}

/// What a [`FlakyNotifier`] answers next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Deliver.
    Ok,
    /// Fail, worth retrying.
    Transient(String),
    /// Fail for good.
    Permanent(String),
}

/// Answers from a script (then succeeds), recording every attempt, including failed ones.
#[derive(Clone, Debug, Default)]
pub struct FlakyNotifier {
    script: Arc<Mutex<VecDeque<Answer>>>,
    attempts: Arc<Mutex<Vec<(Delivery, Answer)>>>,
}

impl FlakyNotifier {
    /// Answers `script` in order, then `Ok` for ever.
    pub fn new(script: impl IntoIterator<Item = Answer>) -> FlakyNotifier {
        FlakyNotifier {
            script: Arc::new(Mutex::new(script.into_iter().collect())),
            ..FlakyNotifier::default()
        }
    }

    /// Fails transiently `n` times, then succeeds.
    pub fn failing(n: usize) -> FlakyNotifier {
        FlakyNotifier::new(
            (0..n).map(|i| Answer::Transient(format!("HTTP 500 (attempt {})", i + 1))),
        )
    }

    /// Appends answers to the script.
    pub fn then(&self, answers: impl IntoIterator<Item = Answer>) {
        self.script.lock().unwrap_or_else(PoisonError::into_inner).extend(answers);
    }

    /// Every attempt and its answer.
    pub fn attempts(&self) -> Vec<(Delivery, Answer)> {
        self.attempts.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The deliveries that succeeded.
    pub fn delivered(&self) -> Vec<Delivery> {
        self.attempts().into_iter().filter(|(_, a)| *a == Answer::Ok).map(|(d, _)| d).collect()
    }
}

impl Notifier for FlakyNotifier {
    fn name(&self) -> &str {
        "flaky"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        let answer = self
            .script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
            .unwrap_or(Answer::Ok);
        self.attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((delivery.clone(), answer.clone()));
        Box::pin(async move {
            match answer {
                Answer::Ok => Ok(()),
                Answer::Transient(e) => Err(DeliveryError::Transient(e)),
                Answer::Permanent(e) => Err(DeliveryError::Permanent(e)),
            }
        })
    }
}
