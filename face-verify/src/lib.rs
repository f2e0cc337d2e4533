//! face-verify (being built; see its issue).
