//! A real SMTP server (mailin-embedded) on 127.0.0.1 that keeps every message it accepts and
//! answers RCPT as the test scripts it.

#![allow(dead_code, unreachable_pub)]

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response, Server};

/// One message as received.
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

#[derive(Default)]
struct State {
    mails: Mutex<Vec<Mail>>,
    rcpt: Mutex<Option<(u16, String)>>,
}

#[derive(Clone)]
struct Sink {
    state: Arc<State>,
    from: String,
    to: Vec<String>,
    buf: Vec<u8>,
}

impl Handler for Sink {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.from = from.to_string();
        OK
    }

    fn rcpt(&mut self, _to: &str) -> Response {
        match self.state.rcpt.lock().unwrap().clone() {
            Some((code, text)) => Response::custom(code, text),
            None => OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.buf.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = Mail {
            from: self.from.clone(),
            to: self.to.clone(),
            raw: std::mem::take(&mut self.buf),
        };
        self.state.mails.lock().unwrap().push(mail);
        OK
    }
}

/// The server; it runs on its own threads until the test process ends.
#[derive(Clone)]
pub struct SmtpServer {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let sink =
            Sink { state: state.clone(), from: String::new(), to: Vec::new(), buf: Vec::new() };
        let mut server = Server::new(sink);
        server.with_name("mx.school.example.cn").with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { addr, state }
    }

    /// Answers RCPT with `code text` from now on (`None`: 250 OK).
    pub fn refuse_recipients(&self, reply: Option<(u16, &str)>) {
        *self.state.rcpt.lock().unwrap() = reply.map(|(c, t)| (c, t.to_string()));
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.state.mails.lock().unwrap().clone()
    }
}
