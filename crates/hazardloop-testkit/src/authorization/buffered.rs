//! A small combinator: many futures, a few at a time, on the caller's runtime (the testkit
//! depends on no runtime and no futures crate).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs the futures of `pending`, at most `limit` at a time, on the caller's runtime; the
/// outputs come back in the order of `pending`.
pub(super) struct Buffered<I: Iterator>
where
    I::Item: Future,
{
    pending: I,
    exhausted: bool,
    running: Vec<(usize, Pin<Box<I::Item>>)>,
    done: Vec<Option<<I::Item as Future>::Output>>,
    limit: usize,
}

impl<I: Iterator> Buffered<I>
where
    I::Item: Future,
{
    pub(super) fn new(pending: I, limit: usize) -> Self {
        Buffered {
            pending,
            exhausted: false,
            running: Vec::new(),
            done: Vec::new(),
            limit: limit.max(1),
        }
    }
}

// Nothing is pinned in place: the futures are boxed, the rest is moved freely.
impl<I: Iterator> Unpin for Buffered<I> where I::Item: Future {}

impl<I: Iterator> Future for Buffered<I>
where
    I::Item: Future,
{
    type Output = Vec<<I::Item as Future>::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            while !this.exhausted && this.running.len() < this.limit {
                let Some(next) = this.pending.next() else {
                    this.exhausted = true;
                    break;
                };
                this.running.push((this.done.len(), Box::pin(next)));
                this.done.push(None);
            }
            let before = this.running.len();
            let done = &mut this.done;
            this.running.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
                Poll::Ready(out) => {
                    done[*i] = Some(out);
                    false
                }
                Poll::Pending => true,
            });
            if this.running.is_empty() && this.exhausted {
                return Poll::Ready(std::mem::take(&mut this.done).into_iter().flatten().collect());
            }
            // Something finished: start the next ones and poll them at once.
            if this.running.len() == before && !this.running.is_empty() {
                return Poll::Pending;
            }
        }
    }
}
