//! Real-time delivery, over real sockets: the WebSocket and Server-Sent
//! Events transports, tickets, resumption, authorisation and slow readers;
//! notifications; conversations between collectors and artists.

mod conversations;
pub mod live;
mod notifications;
mod sources;
mod transports;
