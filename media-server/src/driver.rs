//! The thin tokio driver: one UDP socket for every peer, a command queue from the HTTP
//! handlers, and the timer. All decisions live in the sans-IO [`Sfu`].

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Instant;

use tokio::net::UdpSocket;
use tokio::sync::{broadcast, mpsc};

use crate::events::MediaEvent;
use crate::sfu::Sfu;

/// Work for the driver, run on its task with exclusive access to the core.
pub(crate) enum Command {
    Run(Box<dyn FnOnce(&mut Sfu, Instant) + Send>),
    Shutdown,
}

/// Most datagrams read in one go before the core gets polled for output.
const READ_BURST: usize = 64;

pub(crate) async fn run(
    socket: UdpSocket,
    mut sfu: Sfu,
    mut commands: mpsc::Receiver<Command>,
    events: broadcast::Sender<MediaEvent>,
) {
    let mut buf = vec![0u8; 2048];
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
            c = commands.recv() => match c {
                Some(Command::Run(f)) => f(&mut sfu, Instant::now()),
                Some(Command::Shutdown) | None => break,
            },
            _ = tokio::time::sleep_until(deadline.into()) => sfu.handle_timeout(Instant::now()),
        }
        flush(&socket, &mut sfu).await;
        while let Some(e) = sfu.poll_event() {
            // Nobody listening is fine.
            let _ = events.send(e);
        }
    }
}

async fn flush(socket: &UdpSocket, sfu: &mut Sfu) {
    while let Some((dst, data)) = sfu.poll_transmit() {
        send(socket, dst, &data).await;
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
