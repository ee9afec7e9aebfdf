//! Clients of the live transports, against the router served on a real port.

use std::{net::SocketAddr, time::Duration};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, protocol::frame::coding::CloseCode},
};

use crate::support::TestApp;

/// Serves the app's router on a free loopback port; answers its base URL.
pub async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    format!("http://{addr}")
}

/// A ticket for `token`'s next connection.
pub async fn ticket(app: &TestApp, token: &str) -> String {
    let response = app.bearer(token).post("/api/realtime/ticket", json!({})).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.body["ticket"].as_str().unwrap().to_owned()
}

pub struct Live {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a connection ended.
#[derive(Debug, PartialEq)]
pub enum Ended {
    Closed(Option<CloseCode>),
    Dropped,
}

impl Live {
    pub async fn connect(base: &str, ticket: Option<&str>) -> Result<Live, u16> {
        let mut url = format!("{}/api/realtime", base.replacen("http", "ws", 1));
        if let Some(ticket) = ticket {
            url.push_str(&format!("?ticket={ticket}"));
        }
        match connect_async(url).await {
            Ok((ws, response)) => {
                assert_eq!(response.status(), 101);
                Ok(Live { ws })
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
            Err(e) => panic!("connecting failed: {e}"),
        }
    }

    pub async fn send(&mut self, message: Value) {
        self.ws.send(Message::text(message.to_string())).await.unwrap();
    }

    /// The next protocol message; panics after 10 s of silence.
    pub async fn recv(&mut self) -> Value {
        loop {
            let next = tokio::time::timeout(Duration::from_secs(10), self.ws.next()).await.expect("nothing arrived");
            match next.expect("the connection ended").expect("a readable frame") {
                Message::Text(text) => return serde_json::from_str(&text).unwrap(),
                Message::Ping(_) | Message::Pong(_) => {}
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// The next protocol message, or how the connection ended; panics after
    /// 10 s of silence.
    pub async fn next_message(&mut self) -> Result<Value, Ended> {
        loop {
            let next = tokio::time::timeout(Duration::from_secs(10), self.ws.next()).await.expect("nothing arrived");
            match next {
                Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Close(frame))) => return Err(Ended::Closed(frame.map(|f| f.code))),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Err(Ended::Dropped),
            }
        }
    }

    /// Subscribes and answers every message up to `subscribed` (or the error).
    pub async fn subscribe(&mut self, channel: &str, since: Option<i64>) -> Vec<Value> {
        let mut request = json!({"type": "subscribe", "channel": channel});
        if let Some(since) = since {
            request["since"] = json!(since);
        }
        self.send(request).await;
        let mut got = Vec::new();
        loop {
            let message = self.recv().await;
            let done = matches!(message["type"].as_str(), Some("subscribed" | "error"));
            got.push(message);
            if done {
                return got;
            }
        }
    }

    /// Reads until the connection ends; answers the events read and how it ended.
    pub async fn drain(&mut self, within: Duration) -> (Vec<Value>, Ended) {
        let mut events = Vec::new();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await.expect("the connection stayed open") {
                Some(Ok(Message::Text(text))) => events.push(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Close(frame))) => return (events, Ended::Closed(frame.map(|f| f.code))),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return (events, Ended::Dropped),
            }
        }
    }
}

/// The offsets of the events among `messages`, for one channel.
pub fn offsets(messages: &[Value], channel: &str) -> Vec<i64> {
    messages
        .iter()
        .filter(|m| m["type"] == "event" && m["channel"] == channel)
        .map(|m| m["offset"].as_i64().unwrap())
        .collect()
}

/// The collector asks about the work; answers the conversation's id.
pub async fn inquire(collector: &crate::support::Caller<'_>, artwork_id: &str, body: &str) -> String {
    let response = collector.post("/api/conversations", json!({"artwork_id": artwork_id, "body": body})).await;
    assert!(response.status == 201 || response.status == 200, "{}", response.body);
    response.body["conversation"]["id"].as_str().unwrap().to_owned()
}

/// Writes in a conversation; answers the message.
pub async fn write(user: &crate::support::Caller<'_>, conversation: &str, body: &str) -> Value {
    let response = user.post(&format!("/api/conversations/{conversation}/messages"), json!({"body": body})).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.body
}
