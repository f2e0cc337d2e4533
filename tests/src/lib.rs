//! Harness for end-to-end tests: starts real servers (a throwaway PostgreSQL cluster, the
//! `proctor` binary) on loopback and stops them when dropped.

pub mod postgres;
