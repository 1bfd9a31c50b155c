//! Captures `tracing` events with their fields, for tests that assert what
//! a user's log would show.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, Once};

use tracing::field::{Field, Visit};
use tracing::subscriber::{DefaultGuard, Interest};
use tracing::{Event, Level, Metadata, Subscriber, span};
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
    // A callsite first met on a thread without a subscriber, while this one
    // was being set up on another, could be cached as never wanted, and its
    // events lost here: a global subscriber that always answers "sometimes"
    // keeps every callsite asking the current thread's subscriber.
    static ASK_EVERY_TIME: Once = Once::new();
    ASK_EVERY_TIME.call_once(|| {
        // Another global subscriber, if a test set one, asks too.
        let _ = tracing::subscriber::set_global_default(AskEveryTime);
    });
    let events = Events::default();
    let subscriber = tracing_subscriber::registry().with(Recorder(events.clone()));
    let guard = tracing::subscriber::set_default(subscriber);
    (events, guard)
}

/// Records nothing, and has every callsite ask the current subscriber
/// whether it is enabled at each event (see [`capture`]).
struct AskEveryTime;

impl Subscriber for AskEveryTime {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        false
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
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
