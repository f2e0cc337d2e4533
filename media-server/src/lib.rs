//! media-server (being built; see its issue).
