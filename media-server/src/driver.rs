//! The thin tokio driver: one UDP socket for every peer (plus ICE-TCP connections when
//! enabled), a command queue from the HTTP handlers, and the timer. All decisions live in
//! the sans-IO [`Sfu`].

mod tcp;

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Instant;

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{broadcast, mpsc};

use crate::events::MediaEvent;
use crate::sfu::Sfu;
use tcp::TcpEvent;

/// Work for the driver, run on its task with exclusive access to the core.
pub(crate) enum Command {
    Run(Job),
    Shutdown,
}

pub(crate) type Job = Box<dyn FnOnce(&mut Sfu, Instant) + Send>;

/// Most datagrams read in one go before the output gets flushed to the socket.
const READ_BURST: usize = 64;

/// One socket carries every peer, so its kernel buffers must hold a few hundred ms of all
/// publishers' packets while the driver is busy or descheduled; the default 208 KiB is
/// ~50 ms at 200 publishers. Linux caps this at `net.core.rmem_max`/`wmem_max`.
const SOCKET_BUFFER: usize = 8 << 20;

pub(crate) async fn run(
    socket: UdpSocket,
    tcp: Option<TcpListener>,
    mut sfu: Sfu,
    mut commands: mpsc::Receiver<Command>,
    events: broadcast::Sender<MediaEvent>,
) {
    let sock = socket2::SockRef::from(&socket);
    if sock.set_recv_buffer_size(SOCKET_BUFFER).is_err() || sock.set_send_buffer_size(SOCKET_BUFFER).is_err() {
        tracing::warn!("could not enlarge the media socket's buffers");
    }
    let mut buf = vec![0u8; 2048];
    let mut tcp_events = None;
    let acceptor = tcp.map(|listener| {
        let (tx, rx) = mpsc::channel(1024);
        tcp_events = Some(rx);
        tokio::spawn(tcp::accept(listener, tx))
    });
    let mut conns: HashMap<SocketAddr, mpsc::Sender<Vec<u8>>> = HashMap::new();
    loop {
        let deadline = sfu.poll_timeout(Instant::now());
        tokio::select! {
            r = socket.recv_from(&mut buf) => {
                if let Ok((n, src)) = r {
                    sfu.handle_receive(Instant::now(), src, &buf[..n]);
                    for _ in 0..READ_BURST {
                        match socket.try_recv_from(&mut buf) {
                            Ok((n, src)) => sfu.handle_receive(Instant::now(), src, &buf[..n]),
                            Err(_) => break,
                        }
                    }
                }
            }
            Some(e) = recv_tcp(&mut tcp_events) => {
                let mut next = Some(e);
                let mut n = 0;
                while let Some(e) = next {
                    match e {
                        TcpEvent::Opened(peer, tx) => {
                            conns.insert(peer, tx);
                        }
                        TcpEvent::Packet(peer, p) => sfu.handle_receive_tcp(Instant::now(), peer, &p),
                        TcpEvent::Closed(peer) => {
                            conns.remove(&peer);
                        }
                    }
                    n += 1;
                    next = if n < READ_BURST { tcp_events.as_mut().and_then(|rx| rx.try_recv().ok()) } else { None };
                }
            }
            c = commands.recv() => match c {
                Some(Command::Run(f)) => f(&mut sfu, Instant::now()),
                Some(Command::Shutdown) | None => break,
            },
            _ = tokio::time::sleep_until(deadline.into()) => sfu.handle_timeout(Instant::now()),
        }
        flush(&socket, &conns, &mut sfu).await;
        while let Some(e) = sfu.poll_event() {
            // Nobody listening is fine.
            let _ = events.send(e);
        }
    }
    if let Some(a) = acceptor {
        a.abort();
    }
}

async fn recv_tcp(rx: &mut Option<mpsc::Receiver<TcpEvent>>) -> Option<TcpEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn flush(socket: &UdpSocket, conns: &HashMap<SocketAddr, mpsc::Sender<Vec<u8>>>, sfu: &mut Sfu) {
    while let Some((dst, data)) = sfu.poll_transmit() {
        send(socket, dst, &data).await;
    }
    while let Some((dst, data)) = sfu.poll_tcp_transmit() {
        // A full queue is a congested connection: drop, as UDP would.
        if let Some(tx) = conns.get(&dst) {
            let _ = tx.try_send(data);
        }
    }
}

async fn send(socket: &UdpSocket, dst: SocketAddr, data: &[u8]) {
    match socket.try_send_to(data, dst) {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {
            let _ = socket.send_to(data, dst).await;
        }
        // A peer that went away (ICMP unreachable) is noticed by ICE consent, not here.
        _ => {}
    }
}
