//! storage (being built; see its issue).
