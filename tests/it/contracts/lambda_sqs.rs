//! The Lambda SQS batch helper, fed events built from messages really received
//! from an SQS queue on moto, in the shape Lambda delivers them.

use std::{sync::Mutex, time::Duration};

use atelier::platform::{
    queue::lambda::{OBJECT_CREATED_KIND, handle_sqs_batch},
    queue::sqs::{SqsJobQueue, sqs_client},
    queue::{Job, JobQueue, NewJob},
};
use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use serde_json::{Value, json};

use crate::contracts::standins::{moto_config, moto_queue, moto_url};

/// A real S3 ObjectCreated notification as S3 sends it to SQS, key
/// form-encoded.
fn object_created(key: &str) -> Value {
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2026-11-24T10:20:30.000Z",
        "eventName": "ObjectCreated:Post",
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "203.0.113.9"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "media-uploads",
            "bucket": {"name": "atelier-media", "ownerIdentity": {"principalId": "A3NL1KOZZKExample"}, "arn": "arn:aws:s3:::atelier-media"},
            "object": {"key": key, "size": 1024, "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0055AED6DCD90281E5"}
        }
    }]})
}

/// Sends raw bodies, receives them back, and wraps them the way the Lambda
/// event source mapping does. Returns the event and each body's message id.
async fn event_of(bodies: &[String]) -> (SqsEvent, Vec<String>) {
    let client = sqs_client(&moto_config().await, Some(&moto_url()));
    let queue = moto_queue(&client, 3, false).await;
    let mut ids = Vec::new();
    for body in bodies {
        let sent = client.send_message().queue_url(&queue).message_body(body).send().await.unwrap();
        ids.push(sent.message_id.unwrap());
    }
    (event_from(&client, &queue, bodies.len()).await, ids)
}

/// Receives `count` messages from the queue as one Lambda event.
async fn event_from(client: &aws_sdk_sqs::Client, queue_url: &str, count: usize) -> SqsEvent {
    let received = client
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .unwrap();
    assert_eq!(received.messages().len(), count);
    let records: Vec<Value> = received
        .messages()
        .iter()
        .map(|m| {
            let attributes: serde_json::Map<String, Value> =
                m.attributes().unwrap().iter().map(|(name, value)| (name.as_str().to_owned(), json!(value))).collect();
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:atelier-media",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(json!({"Records": records})).unwrap()
}

fn envelope(kind: &str, payload: Value) -> String {
    json!({"kind": kind, "payload": payload}).to_string()
}

#[tokio::test]
async fn only_the_failing_records_are_reported() {
    let bodies = [
        envelope("media.process", json!({"n": 1})),
        envelope("media.process", json!({"n": 2, "poison": true})),
        "this is not a job".to_owned(),
        envelope("media.process", json!({"n": 3})),
    ];
    let (event, ids) = event_of(&bodies).await;
    let handled = Mutex::new(Vec::new());
    let response = handle_sqs_batch(event, |job: Job| {
        handled.lock().unwrap().push((job.id.clone(), job.payload["n"].as_i64(), job.receive_count));
        async move {
            anyhow::ensure!(job.payload.get("poison").is_none(), "this image cannot be decoded");
            Ok(())
        }
    })
    .await;
    let mut failed: Vec<_> = response.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
    failed.sort();
    let mut expected = vec![ids[1].clone(), ids[2].clone()];
    expected.sort();
    assert_eq!(failed, expected);
    let mut handled = handled.into_inner().unwrap();
    handled.sort_by_key(|(_, n, _)| *n);
    assert_eq!(handled, [(ids[0].clone(), Some(1), 1), (ids[1].clone(), Some(2), 1), (ids[3].clone(), Some(3), 1)]);
}

#[tokio::test]
async fn s3_notifications_become_object_created_jobs_and_test_events_are_acknowledged() {
    let test_event = json!({
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2026-11-24T10:20:30.000Z",
        "Bucket": "atelier-media",
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"
    });
    let bodies = [
        object_created("uploads/0191/my+photo%281%29%C3%A9.jpg").to_string(),
        test_event.to_string(),
        envelope("media.process", json!({"n": 1})),
    ];
    let (event, ids) = event_of(&bodies).await;
    let handled = Mutex::new(Vec::new());
    let response = handle_sqs_batch(event, |job: Job| {
        handled.lock().unwrap().push(job);
        async { Ok(()) }
    })
    .await;
    assert!(response.batch_item_failures.is_empty(), "{:?}", response.batch_item_failures);
    let handled = handled.into_inner().unwrap();
    let created: Vec<_> = handled.iter().filter(|j| j.kind == OBJECT_CREATED_KIND).collect();
    assert_eq!(created.len(), 1, "{handled:?}");
    assert_eq!(created[0].payload, json!({"key": "uploads/0191/my photo(1)é.jpg"}));
    assert!(created[0].id.starts_with(&ids[0]));
    assert_eq!(handled.len(), 2, "the test event reached the handler: {handled:?}");
}

#[tokio::test]
async fn a_failing_object_created_job_fails_its_record() {
    let bodies = [object_created("uploads/a.jpg").to_string(), object_created("uploads/b.jpg").to_string()];
    let (event, ids) = event_of(&bodies).await;
    let response = handle_sqs_batch(event, |job: Job| async move {
        anyhow::ensure!(job.payload["key"] != "uploads/b.jpg", "the object vanished");
        Ok(())
    })
    .await;
    let failed: Vec<_> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, [ids[1].as_str()]);
}

#[tokio::test]
async fn jobs_sent_through_the_port_arrive_whole_in_a_lambda_event() {
    let client = sqs_client(&moto_config().await, Some(&moto_url()));
    let queue = moto_queue(&client, 3, false).await;
    let producer = SqsJobQueue::new(client.clone(), vec![("media.".to_owned(), queue.clone())], queue.clone());
    producer
        .send(NewJob {
            kind: "media.process",
            payload: json!({"upload": "u1"}),
            dedup_key: None,
            delay: Duration::ZERO,
        })
        .await
        .unwrap();
    let event = event_from(&client, &queue, 1).await;
    let seen = Mutex::new(Vec::new());
    let response = handle_sqs_batch(event, |job: Job| {
        seen.lock().unwrap().push((job.kind, job.payload, job.receive_count));
        async { Ok(()) }
    })
    .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(seen.into_inner().unwrap(), [("media.process".to_owned(), json!({"upload": "u1"}), 1)]);
}
