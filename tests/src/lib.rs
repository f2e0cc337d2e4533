//! Harness for end-to-end tests: starts the real `proctor` binary and external servers
//! (PostgreSQL, SeaweedFS, stand-ins) on loopback, and stops them when dropped.
