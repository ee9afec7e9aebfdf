//! The sockets registry's contract, run against its PostgreSQL tables and
//! against a DynamoDB table on moto shaped like the deployed one (`pk`/`sk`,
//! TTL on `expires_at`).

use std::{collections::BTreeSet, sync::Arc};

use atelier::platform::{
    kv::dynamodb::dynamodb_client,
    sockets::{DynamoSocketRegistry, PgSocketRegistry, SocketRegistry},
};
use uuid::Uuid;

use crate::{
    contracts::standins::{moto_config, moto_socket_table, moto_url},
    support::socket_gateway::connection_id,
};

const CHANNEL: &str = "conversation:0193a1f2-7c4e-7d2a-9f10-3b5c6d7e8f90";
const OTHER: &str = "artwork:0193a1f2-7c4e-7d2a-9f10-3b5c6d7e8f91";

async fn a_connection_is_recorded_with_its_caller_and_subscriptions(registry: &dyn SocketRegistry) {
    let (id, user, session) = (connection_id(), Uuid::now_v7(), Uuid::now_v7());
    assert_eq!(registry.connection(&id).await.unwrap(), None);
    assert!(!registry.subscribe(&id, CHANNEL, 0).await.unwrap(), "an unknown connection cannot subscribe");
    registry.open(&id, Some(user), Some(session)).await.unwrap();
    assert!(registry.subscribe(&id, CHANNEL, 3).await.unwrap());
    assert!(registry.subscribe(&id, OTHER, 0).await.unwrap());
    let connection = registry.connection(&id).await.unwrap().expect("open");
    assert_eq!((connection.user_id, connection.session_id), (Some(user), Some(session)));
    assert_eq!(
        connection.channels.iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([&OTHER.to_owned(), &CHANNEL.to_owned()])
    );
    let page = registry.subscribers(CHANNEL, None, 10).await.unwrap();
    assert_eq!(page.subscriptions.len(), 1);
    assert_eq!(
        (page.subscriptions[0].connection_id.as_str(), page.subscriptions[0].user_id, page.subscriptions[0].offset),
        (id.as_str(), Some(user), 3)
    );

    registry.unsubscribe(&id, OTHER).await.unwrap();
    assert_eq!(registry.connection(&id).await.unwrap().unwrap().channels, [CHANNEL]);
    assert!(registry.subscribers(OTHER, None, 10).await.unwrap().subscriptions.is_empty());

    registry.close(&id).await.unwrap();
    assert_eq!(registry.connection(&id).await.unwrap(), None);
    assert!(
        registry.subscribers(CHANNEL, None, 10).await.unwrap().subscriptions.is_empty(),
        "closing drops subscriptions"
    );
    registry.close(&id).await.unwrap();
}

async fn an_anonymous_connection_has_no_caller(registry: &dyn SocketRegistry) {
    let id = connection_id();
    registry.open(&id, None, None).await.unwrap();
    let connection = registry.connection(&id).await.unwrap().unwrap();
    assert_eq!((connection.user_id, connection.session_id, connection.channels.len()), (None, None, 0));
}

async fn offsets_only_move_forward_and_resubscribing_moves_them(registry: &dyn SocketRegistry) {
    let id = connection_id();
    registry.open(&id, None, None).await.unwrap();
    registry.subscribe(&id, OTHER, 5).await.unwrap();
    let offset = async |registry: &dyn SocketRegistry| {
        let page = registry.subscribers(OTHER, None, 100).await.unwrap();
        page.subscriptions.into_iter().find(|s| s.connection_id == id).unwrap().offset
    };
    registry.advance(&id, OTHER, 9).await.unwrap();
    assert_eq!(offset(registry).await, 9);
    registry.advance(&id, OTHER, 7).await.unwrap();
    assert_eq!(offset(registry).await, 9, "a late delivery never moves a subscription back");
    registry.subscribe(&id, OTHER, 2).await.unwrap();
    assert_eq!(offset(registry).await, 2, "a client resubscribing says where it stands");
    registry.advance(&connection_id(), OTHER, 50).await.unwrap();
    registry.close(&id).await.unwrap();
    registry.advance(&id, OTHER, 50).await.unwrap();
    assert!(registry.subscribers(OTHER, None, 100).await.unwrap().subscriptions.iter().all(|s| s.connection_id != id));
}

async fn subscribers_come_in_pages_each_once(registry: Arc<dyn SocketRegistry>) {
    let channel = format!("artwork:{}", Uuid::now_v7());
    let mut opened = BTreeSet::new();
    for _ in 0..23 {
        let id = connection_id();
        registry.open(&id, None, None).await.unwrap();
        assert!(registry.subscribe(&id, &channel, 1).await.unwrap());
        opened.insert(id);
    }
    let (mut seen, mut after, mut pages) = (Vec::new(), None, 0);
    loop {
        let page = registry.subscribers(&channel, after.as_deref(), 5).await.unwrap();
        pages += 1;
        assert!(page.subscriptions.len() <= 5);
        seen.extend(page.subscriptions.into_iter().map(|s| s.connection_id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert!(pages >= 5, "23 subscribers in pages of 5 took {pages} pages");
    assert_eq!(seen.len(), 23, "each subscriber once");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), opened);
}

mod postgres {
    use super::*;

    async fn registry() -> (crate::support::TestApp, Arc<dyn SocketRegistry>) {
        let app = crate::support::spawn_app().await;
        let registry = Arc::new(PgSocketRegistry::new(app.ctx.db.clone()));
        (app, registry)
    }

    #[tokio::test]
    async fn a_connection_is_recorded_with_its_caller_and_subscriptions() {
        let (_app, registry) = registry().await;
        super::a_connection_is_recorded_with_its_caller_and_subscriptions(registry.as_ref()).await;
        super::an_anonymous_connection_has_no_caller(registry.as_ref()).await;
    }

    #[tokio::test]
    async fn offsets_only_move_forward_and_resubscribing_moves_them() {
        let (_app, registry) = registry().await;
        super::offsets_only_move_forward_and_resubscribing_moves_them(registry.as_ref()).await;
    }

    #[tokio::test]
    async fn subscribers_come_in_pages_each_once() {
        let (_app, registry) = registry().await;
        super::subscribers_come_in_pages_each_once(registry).await;
    }

    /// A connection whose $disconnect never came is forgotten once it has
    /// outlived what API Gateway allows.
    #[tokio::test]
    async fn an_expired_connection_is_absent() {
        let (app, registry) = registry().await;
        let id = connection_id();
        registry.open(&id, None, None).await.unwrap();
        registry.subscribe(&id, CHANNEL, 1).await.unwrap();
        sqlx::query("UPDATE socket_connections SET expires_at = now() - interval '1 second' WHERE id = $1")
            .bind(&id)
            .execute(&app.ctx.db)
            .await
            .unwrap();
        assert_eq!(registry.connection(&id).await.unwrap(), None);
        assert!(registry.subscribers(CHANNEL, None, 10).await.unwrap().subscriptions.is_empty());
        assert!(!registry.subscribe(&id, OTHER, 1).await.unwrap());
    }
}

mod dynamodb {
    use super::*;

    async fn registry() -> Arc<dyn SocketRegistry> {
        let client = dynamodb_client(&moto_config().await, Some(&moto_url()));
        let table = moto_socket_table(&client).await;
        Arc::new(DynamoSocketRegistry::new(client, table))
    }

    #[tokio::test]
    async fn a_connection_is_recorded_with_its_caller_and_subscriptions() {
        let registry = registry().await;
        super::a_connection_is_recorded_with_its_caller_and_subscriptions(registry.as_ref()).await;
        super::an_anonymous_connection_has_no_caller(registry.as_ref()).await;
    }

    #[tokio::test]
    async fn offsets_only_move_forward_and_resubscribing_moves_them() {
        super::offsets_only_move_forward_and_resubscribing_moves_them(registry().await.as_ref()).await;
    }

    #[tokio::test]
    async fn subscribers_come_in_pages_each_once() {
        super::subscribers_come_in_pages_each_once(registry().await).await;
    }
}
