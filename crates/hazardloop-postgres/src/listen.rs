//! Waking a dispatcher: every statement that adds outbox messages notifies the channel
//! `<schema>_outbox` (a trigger of the schema), and an [`OutboxListener`] holds a dedicated
//! connection listening on it, so a dispatcher can sleep until there is work instead of polling.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::stream::{self, StreamExt};
use hazardloop_core::store::StoreError;
use tokio::sync::mpsc;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{AsyncMessage, Client, Socket};

use crate::error::backend;

type Connecting = Pin<Box<dyn Future<Output = Result<Client, tokio_postgres::Error>> + Send>>;

/// Opens a dedicated connection whose notifications go to the sender.
pub(crate) type Connect = Arc<dyn Fn(mpsc::Sender<()>) -> Connecting + Send + Sync>;

/// A [`Connect`] for `config` over `tls`.
pub(crate) fn connector<T>(config: tokio_postgres::Config, tls: T) -> Connect
where
    T: MakeTlsConnect<Socket> + Clone + Send + Sync + 'static,
    T::Stream: Send + 'static,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    Arc::new(move |wake: mpsc::Sender<()>| {
        let (config, tls) = (config.clone(), tls.clone());
        Box::pin(async move {
            let (client, mut connection) = config.connect(tls).await?;
            tokio::spawn(async move {
                let mut messages = stream::poll_fn(move |cx| connection.poll_message(cx));
                while let Some(message) = messages.next().await {
                    match message {
                        // A full channel already holds a wake-up: one is enough.
                        Ok(AsyncMessage::Notification(_)) => {
                            let _ = wake.try_send(());
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "outbox listener connection lost");
                            break;
                        }
                    }
                }
            });
            Ok(client)
        })
    })
}

/// A dedicated connection listening for new outbox messages.
///
/// Wake-ups coalesce: several commits before the next [`OutboxListener::notified`] give one.
/// A notification is a hint, not a delivery: dispatch on it, and also now and then without it
/// (retries become available by time, and a wake-up can be lost when the connection drops).
pub struct OutboxListener {
    _client: Client,
    wake: mpsc::Receiver<()>,
}

impl std::fmt::Debug for OutboxListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxListener").finish_non_exhaustive()
    }
}

impl OutboxListener {
    pub(crate) async fn open(connect: &Connect, schema: &str) -> Result<Self, StoreError> {
        let (tx, wake) = mpsc::channel(1);
        let client = connect(tx).await.map_err(backend)?;
        client.batch_execute(&format!("LISTEN \"{schema}_outbox\"")).await.map_err(backend)?;
        Ok(OutboxListener { _client: client, wake })
    }

    /// Waits until outbox messages were added since the last call.
    ///
    /// [`StoreError::Backend`] when the connection is lost: open a new listener.
    pub async fn notified(&mut self) -> Result<(), StoreError> {
        self.wake
            .recv()
            .await
            .ok_or_else(|| StoreError::Backend("the outbox listener's connection is closed".into()))
    }
}
