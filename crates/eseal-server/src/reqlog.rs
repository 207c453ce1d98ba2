//! What the service counts and logs about requests (issue 15 item 8): the request log's sink
//! and the counts `/metrics` reports. A leaf: the state holds them, the HTTP adapter feeds
//! them (`crate::ops`).

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Where request log lines go.
#[derive(Clone, Default)]
pub enum RequestLog {
    /// Standard error (the default of `eseal serve`).
    #[default]
    Stderr,
    /// Nowhere.
    Off,
    /// Kept in memory (tests read what would have been written).
    Memory(std::sync::Arc<Mutex<Vec<String>>>),
}

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RequestLog::Stderr => "Stderr",
            RequestLog::Off => "Off",
            RequestLog::Memory(_) => "Memory",
        })
    }
}

impl RequestLog {
    pub(crate) fn write(&self, line: &str) {
        match self {
            RequestLog::Stderr => eprintln!("{line}"),
            RequestLog::Off => {}
            RequestLog::Memory(lines) => lines
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(line.to_owned()),
        }
    }
}

/// The acting user of a request, as the access check found it (a response extension the
/// request log reads).
#[derive(Debug, Clone)]
pub struct Actor(pub String);

/// What requests are counted by: method, route, status.
pub(crate) type RequestKey = (String, String, u16);
/// How many, and their total duration in seconds.
pub(crate) type RequestTally = (u64, f64);

/// Requests counted by (method, route, status): how many, and their total duration.
#[derive(Debug, Default)]
pub struct RequestCounts(Mutex<BTreeMap<RequestKey, RequestTally>>);

impl RequestCounts {
    pub(crate) fn add(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let e = m
            .entry((method.to_owned(), route.to_owned(), status))
            .or_insert((0, 0.0));
        e.0 += 1;
        e.1 += seconds;
    }

    pub(crate) fn snapshot(&self) -> Vec<(RequestKey, RequestTally)> {
        let m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}
