//! `rtsp-camera`: a synthetic exam-room IP camera for tests, built on gst-rtsp-server.
//!
//! `rtsp-camera [--port N] [--user U --password P] [--codec h264|h265] [--path /cam]`
//! serves a moving test picture (320×240, 15 fps, a keyframe every second, no B-frames) over
//! RTSP on 127.0.0.1 with digest authentication, like the Hikvision/Dahua cameras the platform
//! pulls. Port 0 (the default) takes a free one. Once it accepts connections it prints one
//! stdout line `RTSP_CAMERA_READY rtsp://127.0.0.1:PORT/PATH`; it runs until killed, and can be
//! started again on the same port.

use std::process::ExitCode;

use gstreamer_rtsp_server as rtsp;
use rtsp::gst;
use rtsp::prelude::*;

struct Args {
    port: u16,
    user: String,
    password: String,
    codec: String,
    path: String,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        port: 0,
        user: "admin".into(),
        password: "camera-pass".into(),
        codec: "h264".into(),
        path: "/cam".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => a.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--user" => a.user = value()?,
            "--password" => a.password = value()?,
            "--codec" => a.codec = value()?,
            "--path" => a.path = value()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !a.path.starts_with('/') {
        a.path.insert(0, '/');
    }
    Ok(a)
}

fn launch_line(codec: &str) -> Result<&'static str, String> {
    // key-int-max 15 at 15 fps: a late joiner waits at most a second for its first picture.
    match codec {
        "h264" => Ok("( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 \
             ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=300 key-int-max=15 \
             ! video/x-h264,profile=constrained-baseline ! rtph264pay name=pay0 pt=96 config-interval=-1 )"),
        "h265" => Ok("( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 \
             ! x265enc tune=zerolatency speed-preset=ultrafast bitrate=300 key-int-max=15 \
             ! rtph265pay name=pay0 pt=96 config-interval=-1 )"),
        other => Err(format!("--codec {other}: h264 or h265")),
    }
}

fn run(a: Args) -> Result<(), String> {
    gst::init().map_err(|e| format!("GStreamer: {e}"))?;
    let launch = launch_line(&a.codec)?;
    let main_loop = rtsp::glib::MainLoop::new(None, false);
    let server = rtsp::RTSPServer::new();
    server.set_address("127.0.0.1");
    server.set_service(&a.port.to_string());

    let factory = rtsp::RTSPMediaFactory::new();
    factory.set_launch(launch);
    // One encoder for every client, as a camera has.
    factory.set_shared(true);
    let role = gst::Structure::builder("viewer")
        .field(rtsp::RTSP_PERM_MEDIA_FACTORY_ACCESS, true)
        .field(rtsp::RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, true)
        .build();
    factory.add_role_from_structure(&role);

    let auth = rtsp::RTSPAuth::new();
    auth.set_supported_methods(rtsp::gst_rtsp::RTSPAuthMethod::Digest);
    let token = rtsp::RTSPToken::builder()
        .field(rtsp::RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
        .build();
    auth.add_digest(&a.user, &a.password, &token);
    server.set_auth(Some(&auth));

    let mounts = server.mount_points().ok_or("server has no mount points")?;
    mounts.add_factory(&a.path, factory);
    let _source = server
        .attach(None)
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", a.port))?;
    println!("RTSP_CAMERA_READY rtsp://127.0.0.1:{}{}", server.bound_port(), a.path);
    main_loop.run();
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rtsp-camera: {e}");
            ExitCode::from(2)
        }
    }
}
