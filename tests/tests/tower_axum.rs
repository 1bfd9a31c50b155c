//! An axum app whose outbound calls go through the tower layer: a real
//! request to the app on 127.0.0.1, whose handler calls a scripted upstream
//! server through a hyper-util client wrapped in `RetryLayer`. Virtual time:
//! the upstream's log gives the exact waits between attempts.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use retry_runtime::Policy;
use retry_runtime::tower::RetryLayer;
use tests::Watchdog;
use tests::raw_http::{RawServer, response};
use tower::{BoxError, Layer, Service, ServiceExt};

type Body = Full<Bytes>;

const UPSTREAM_POLICY: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(100));

/// What the handler needs: the retried client and where the upstream is.
#[derive(Clone)]
struct Upstream<S> {
    client: S,
    url: String,
}

/// The app's one route: fetch the issue from the upstream and pass its
/// body on; anything but a 200 from the upstream is a 502 naming it.
async fn issue<S>(State(upstream): State<Upstream<S>>) -> (StatusCode, String)
where
    S: Service<Request<Body>, Response = Response<Incoming>, Error = BoxError>,
{
    let Upstream { mut client, url } = upstream;
    let request = Request::get(url).body(Body::default()).expect("request");
    let response = match client.ready().await {
        Ok(ready) => ready.call(request).await,
        Err(error) => Err(error),
    };
    match response {
        Ok(response) if response.status() == StatusCode::OK => {
            match response.into_body().collect().await {
                Ok(body) => (
                    StatusCode::OK,
                    String::from_utf8_lossy(&body.to_bytes()).into_owned(),
                ),
                Err(error) => (StatusCode::BAD_GATEWAY, format!("upstream body: {error}")),
            }
        }
        Ok(response) => (
            StatusCode::BAD_GATEWAY,
            format!("upstream answered {}", response.status().as_u16()),
        ),
        Err(error) => (StatusCode::BAD_GATEWAY, format!("upstream failed: {error}")),
    }
}

/// Starts the app on 127.0.0.1 with its upstream at `upstream_url`; its
/// base URL.
async fn start_app(upstream_url: String) -> String {
    let client = Client::builder(TokioExecutor::new())
        .build_http::<Body>()
        .map_err(BoxError::from);
    let client = RetryLayer::new(UPSTREAM_POLICY)
        .name("tower_axum.upstream")
        .layer(client);
    let app = Router::new()
        .route("/issues/7", get(issue))
        .with_state(Upstream {
            client,
            url: upstream_url,
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

/// GETs `url` from outside the app; status and body.
async fn fetch(url: &str) -> (u16, String) {
    // No idle pool, so no pool timer runs on the paused clock.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let response = client.get(url).send().await.expect("the app answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test(start_paused = true)]
async fn the_handler_gets_its_upstream_answer_through_a_retry() {
    let _watchdog = Watchdog::arm("axum retry", Duration::from_secs(60));
    let upstream = RawServer::start(vec![
        response(503, &[("Retry-After", b"1")], "restarting"),
        response(200, &[], "issue 7: retries in tower"),
    ])
    .await;
    let app = start_app(upstream.url("/api/issues/7")).await;
    let got = fetch(&format!("{app}/issues/7")).await;
    assert_eq!(got, (200, "issue 7: retries in tower".to_owned()));
    assert_eq!(upstream.requests(), 2);
    assert_eq!(upstream.gaps(), [Duration::from_secs(1)]);
    assert!(
        upstream.received()[1].starts_with("GET /api/issues/7 HTTP/1.1\r\n"),
        "{:?}",
        upstream.received()
    );
}

#[tokio::test(start_paused = true)]
async fn when_the_upstream_stays_down_the_handler_sees_its_last_response() {
    let _watchdog = Watchdog::arm("axum upstream down", Duration::from_secs(60));
    let upstream = RawServer::start(vec![
        response(503, &[], "down"),
        response(502, &[], "down"),
        response(503, &[], "down"),
    ])
    .await;
    let app = start_app(upstream.url("/api/issues/7")).await;
    let got = fetch(&format!("{app}/issues/7")).await;
    assert_eq!(got, (502, "upstream answered 503".to_owned()));
    assert_eq!(upstream.requests(), 3);
    assert_eq!(
        upstream.gaps(),
        [Duration::from_millis(100), Duration::from_millis(200)]
    );
}
