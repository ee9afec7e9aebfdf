//! Real-time delivery, over real sockets: the WebSocket and Server-Sent
//! Events transports and API Gateway's WebSocket API, tickets, resumption,
//! authorisation and slow readers; notifications; conversations between
//! collectors and artists.

mod conversations;
mod gateway;
pub mod live;
mod notification_mail;
mod notifications;
mod sources;
mod transports;
