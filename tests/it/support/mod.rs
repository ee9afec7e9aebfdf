//! What every suite shares: the app under test on its own database
//! ([`app`]), the people who use it ([`actors`]) and typed views of what it
//! answers ([`views`]).

pub mod actors;
pub mod app;
pub mod socket_gateway;
pub mod views;

pub use actors::*;
pub use app::*;
pub use views::*;
