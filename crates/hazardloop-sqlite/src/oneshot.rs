//! A one-value channel from the writer or a reader thread back to the caller, awaitable under any
//! executor (it only stores the task's `Waker`) and also waitable by blocking (for `migrate`).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
    /// The sender is gone (sent or dropped): nothing more will come.
    closed: bool,
}

struct Shared<T> {
    slot: Mutex<Slot<T>>,
    ready: Condvar,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The sending half: sends once; dropping it unsent wakes the receiver with `None`.
pub(crate) struct Sender<T>(Arc<Shared<T>>);

/// The receiving half: a future of `Some(value)`, or `None` when the sender was dropped.
pub(crate) struct Receiver<T>(Arc<Shared<T>>);

/// A new channel.
pub(crate) fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        slot: Mutex::new(Slot { value: None, waker: None, closed: false }),
        ready: Condvar::new(),
    });
    (Sender(shared.clone()), Receiver(shared))
}

impl<T> Sender<T> {
    /// Delivers the value (dropped if the receiver is gone).
    pub(crate) fn send(self, value: T) {
        self.0.lock().value = Some(value);
        // `Drop` closes the slot and wakes the receiver.
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = self.0.lock();
            slot.closed = true;
            slot.waker.take()
        };
        self.0.ready.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// Blocks the calling thread until the value (or the sender's drop) arrives.
    pub(crate) fn wait(self) -> Option<T> {
        let mut slot = self.0.lock();
        while !slot.closed {
            slot = self.0.ready.wait(slot).unwrap_or_else(PoisonError::into_inner);
        }
        slot.value.take()
    }
}

impl<T> Future for Receiver<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut slot = self.0.lock();
        if slot.closed {
            return Poll::Ready(slot.value.take());
        }
        match &slot.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => slot.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_value_is_received_by_a_blocking_wait() {
        let (tx, rx) = channel();
        std::thread::spawn(move || tx.send(7));
        assert_eq!(rx.wait(), Some(7));
    }

    #[test]
    fn a_dropped_sender_ends_the_wait_with_none() {
        let (tx, rx) = channel::<u8>();
        drop(tx);
        assert_eq!(rx.wait(), None);
    }

    #[tokio::test]
    async fn a_sent_value_is_awaited_under_an_executor() {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(5));
            tx.send("done");
        });
        assert_eq!(rx.await, Some("done"));
    }
}
