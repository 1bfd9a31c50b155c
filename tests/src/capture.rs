//! Captures `tracing` events with their fields, for tests that assert what
//! a user's log would show.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::subscriber::DefaultGuard;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// One event as a subscriber saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Captured {
    /// Its level.
    pub level: Level,
    /// Its target.
    pub target: String,
    /// The message.
    pub message: String,
    /// Every other field, formatted.
    pub fields: BTreeMap<String, String>,
}

impl Captured {
    /// A field's value, or `""`.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// The events captured so far.
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<Vec<Captured>>>);

impl Events {
    /// Everything captured, in order.
    pub fn all(&self) -> Vec<Captured> {
        self.0.lock().expect("events lock").clone()
    }
}

/// Captures every event on this thread until the guard is dropped.
pub fn capture() -> (Events, DefaultGuard) {
    let events = Events::default();
    let subscriber = tracing_subscriber::registry().with(Recorder(events.clone()));
    let guard = tracing::subscriber::set_default(subscriber);
    (events, guard)
}

struct Recorder(Events);

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut visitor = Fields::default();
        event.record(&mut visitor);
        let metadata = event.metadata();
        self.0.0.lock().expect("events lock").push(Captured {
            level: *metadata.level(),
            target: metadata.target().to_owned(),
            message: visitor.message,
            fields: visitor.fields,
        });
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    fields: BTreeMap<String, String>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields.insert(field.name().to_owned(), text);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.fields
            .insert(field.name().to_owned(), value.to_owned());
    }
}
