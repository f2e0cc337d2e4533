//! Keeping exports out of live forwarding's way: one export at a time in the process, run on
//! a thread of its own at the lowest CPU priority (nice 19), and every GStreamer streaming
//! thread of the export pipeline lowered the same way while it works for it. Encoders are
//! single-threaded (see `output`), so an export uses at most about one core, and only what
//! the SFU's driver thread leaves over.
//!
//! Linux keeps a nice value per thread, so lowering one thread does not touch the SFU's.
//! GStreamer streaming threads come from GLib's shared pool and may later serve another
//! pipeline: they are put back to their earlier priority when they leave the export's task
//! (allowed for root or with `RLIMIT_NICE`; otherwise the pooled thread stays low until GLib
//! retires it, which only slows down whoever picks it up next, never forwarding).

use std::sync::Mutex;

use gstreamer as gst;

/// The lowest priority a thread can have.
const LOWEST: i32 = 19;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `f` as the only export of the process, on a new thread at the lowest priority.
pub(crate) fn run_throttled<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("media-export".into())
            .spawn_scoped(s, || {
                lower_this_thread();
                f()
            })
            .expect("a thread can be started")
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Sets the calling thread's nice value to 19 and returns the value it had.
pub(crate) fn lower_this_thread() -> Option<i32> {
    let tid = rustix::thread::gettid();
    let before = rustix::process::getpriority_process(Some(tid)).ok()?;
    match rustix::process::setpriority_process(Some(tid), LOWEST) {
        Ok(()) => Some(before),
        Err(e) => {
            tracing::warn!(error = %e, "export thread keeps its priority");
            None
        }
    }
}

/// The priority of the calling thread (tests and the benchmark check it).
pub fn this_thread_priority() -> Option<i32> {
    rustix::process::getpriority_process(Some(rustix::thread::gettid())).ok()
}

fn restore_this_thread(before: i32) {
    let tid = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(tid), before) {
        tracing::debug!(error = %e, "a pooled GStreamer thread stays at low priority");
    }
}

thread_local! {
    static BEFORE: std::cell::Cell<Option<i32>> = const { std::cell::Cell::new(None) };
}

/// Lowers each streaming thread of `pipeline` when it enters its loop, restores it on leave.
pub(crate) fn lower_streaming_threads(pipeline: &gst::Pipeline) {
    let Some(bus) = gst::prelude::ElementExt::bus(pipeline) else {
        return;
    };
    bus.set_sync_handler(|_, msg| {
        if let gst::MessageView::StreamStatus(s) = msg.view() {
            // Posted from the streaming thread itself, so "this thread" is the right one.
            match s.get().0 {
                gst::StreamStatusType::Enter => BEFORE.with(|b| {
                    if b.get().is_none() {
                        b.set(lower_this_thread());
                    }
                }),
                gst::StreamStatusType::Leave => BEFORE.with(|b| {
                    if let Some(before) = b.take() {
                        restore_this_thread(before);
                    }
                }),
                _ => {}
            }
        }
        gst::BusSyncReply::Pass
    });
}
