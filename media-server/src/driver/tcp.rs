//! ICE-TCP connections (RFC 6544 passive candidate, RFC 4571 framing): every connection
//! accepted on the TCP port gets a reader task that cuts the stream into packets (a 2-byte
//! big-endian length, then the packet) and a writer task fed by a bounded queue. Both only
//! report to the driver, which owns the core; which session a connection belongs to is
//! decided there by ICE, exactly as for UDP.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpListener;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

/// What the connections tell the driver.
pub(crate) enum TcpEvent {
    Opened(SocketAddr, mpsc::Sender<Vec<u8>>),
    Packet(SocketAddr, Vec<u8>),
    Closed(SocketAddr),
}

/// Packets waiting for a slow connection. Beyond that they are dropped like UDP loss
/// (NACK/RTX and the pacer recover), so one stalled peer never blocks the driver.
pub(crate) const WRITE_QUEUE: usize = 1024;

pub(crate) async fn accept(listener: TcpListener, events: mpsc::Sender<TcpEvent>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %e, "ICE-TCP accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        // Media packets must not wait for Nagle.
        let _ = stream.set_nodelay(true);
        let (rd, wr) = stream.into_split();
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        if events.send(TcpEvent::Opened(peer, tx)).await.is_err() {
            return;
        }
        tokio::spawn(write_packets(wr, rx));
        tokio::spawn(read_packets(rd, peer, events.clone()));
    }
}

async fn read_packets(rd: OwnedReadHalf, peer: SocketAddr, events: mpsc::Sender<TcpEvent>) {
    let mut rd = BufReader::new(rd);
    loop {
        let packet = tokio::select! {
            p = read_packet(&mut rd) => p,
            // The driver stopped: nobody to deliver to.
            _ = events.closed() => return,
        };
        let Some(packet) = packet else {
            break;
        };
        if events.send(TcpEvent::Packet(peer, packet)).await.is_err() {
            return;
        }
    }
    let _ = events.send(TcpEvent::Closed(peer)).await;
}

async fn read_packet(rd: &mut BufReader<OwnedReadHalf>) -> Option<Vec<u8>> {
    let mut len = [0u8; 2];
    rd.read_exact(&mut len).await.ok()?;
    let mut packet = vec![0u8; usize::from(u16::from_be_bytes(len))];
    rd.read_exact(&mut packet).await.ok()?;
    Some(packet)
}

/// Ends when the driver drops the queue's sender (connection closed or driver stopped).
async fn write_packets(wr: OwnedWriteHalf, mut rx: mpsc::Receiver<Vec<u8>>) {
    let mut wr = BufWriter::new(wr);
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        // Everything already queued goes out in one write.
        while let Some(p) = next {
            let Ok(len) = u16::try_from(p.len()) else {
                next = rx.try_recv().ok();
                continue;
            };
            if wr.write_all(&len.to_be_bytes()).await.is_err() || wr.write_all(&p).await.is_err() {
                return;
            }
            next = rx.try_recv().ok();
        }
        if wr.flush().await.is_err() {
            return;
        }
    }
}
