//! A tiny join of two futures, so the suites race writers without depending on a runtime.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Polls two futures together on the caller's runtime (no runtime needed here).
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    Join { a: Box::pin(a), b: Box::pin(b), ra: None, rb: None }.await
}

struct Join<A: Future, B: Future> {
    a: Pin<Box<A>>,
    b: Pin<Box<B>>,
    ra: Option<A::Output>,
    rb: Option<B::Output>,
}

// The futures are pinned in their boxes; the outputs are never pinned.
impl<A: Future, B: Future> Unpin for Join<A, B> {}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.ra.is_none() {
            if let Poll::Ready(v) = this.a.as_mut().poll(cx) {
                this.ra = Some(v);
            }
        }
        if this.rb.is_none() {
            if let Poll::Ready(v) = this.b.as_mut().poll(cx) {
                this.rb = Some(v);
            }
        }
        match (this.ra.take(), this.rb.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                this.ra = a;
                this.rb = b;
                Poll::Pending
            }
        }
    }
}
