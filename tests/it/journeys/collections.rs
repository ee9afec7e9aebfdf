//! Collections: anyone signed in keeps named, ordered lists of works with a
//! note on each, public or private; moderators publish editorial ones to the
//! home page, each with its own page by slug; public collections whose title
//! matches a search are among its results; and a work that leaves public view
//! leaves every collection's public face with it.

use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{ArtworkView, Caller, TestResponse, assert_problem, field_errors, spawn_app};

async fn create(who: &Caller<'_>, body: Value) -> Value {
    let response = who.post("/api/collections", body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body
}

async fn add(who: &Caller<'_>, collection: &Value, work: &ArtworkView, body: Value) -> TestResponse {
    who.put(&format!("/api/collections/{}/items/{}", collection["id"].as_str().unwrap(), work.id), body).await
}

fn path(collection: &Value) -> String {
    format!("/api/collections/{}", collection["id"].as_str().unwrap())
}

/// The titles of a collection view's works, in order.
fn work_titles(view: &Value) -> Vec<String> {
    view["items"].as_array().unwrap().iter().map(|i| i["artwork"]["title"].as_str().unwrap().to_owned()).collect()
}

/// The titles of the collections a search names with its works.
async fn collections_found(who: &Caller<'_>, query: &str) -> Vec<String> {
    let response = who.get(&format!("/api/search?q={query}&mode=keyword")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    // Absent when none match.
    let hits = response.body.get("collections").map_or_else(Vec::new, |hits| hits.as_array().unwrap().clone());
    hits.iter()
        .map(|hit| {
            assert_eq!(hit["kind"], "collection");
            hit["collection"]["title"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn titles_of(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_collector_keeps_works_in_order_with_a_note_on_each() {
    let app = spawn_app().await;
    let artist = app.artist("harbour-painter").await;
    let dawn = artist.artwork(json!({"title": "Dawn"})).await;
    let noon = artist.artwork(json!({"title": "Noon"})).await;
    let dusk = artist.artwork(json!({"title": "Dusk"})).await;
    let collector = app.collector("keeper@example.com").await;

    let created = collector
        .with_header("idempotency-key", "first-collection")
        .post("/api/collections", json!({"title": "  Quiet \n harbours  ", "description": "Boats at rest."}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let collection = created.body.clone();
    assert_eq!(created.header("location"), Some(path(&collection).as_str()));
    assert_eq!(collection["title"], "Quiet harbours", "one line, single spaces");
    assert_eq!(collection["kind"], "personal");
    assert_eq!(collection["visibility"], "private", "private unless asked otherwise");
    assert_eq!(collection["slug"], Value::Null);
    assert_eq!(collection["owner"]["id"], collector.id.to_string());
    assert_eq!(collection["owner"]["name"], "Test Person");
    assert_eq!((collection["item_count"].as_u64(), collection["can_edit"].as_bool()), (Some(0), Some(true)));
    // The same request again with the same key is the same collection.
    let replay = collector
        .with_header("idempotency-key", "first-collection")
        .post("/api/collections", json!({"title": "  Quiet \n harbours  ", "description": "Boats at rest."}))
        .await;
    assert_eq!(replay.body["id"], collection["id"]);

    assert_eq!(add(&collector, &collection, &dawn, json!({})).await.status, StatusCode::CREATED);
    let noted =
        add(&collector, &collection, &noon, json!({"note": "The light on the water.\r\nSee the left edge."})).await;
    assert_eq!(noted.status, StatusCode::CREATED, "{}", noted.body);
    assert_eq!(noted.body["note"], "The light on the water.\nSee the left edge.");
    assert_eq!(noted.body["artwork"]["title"], "Noon");
    assert_eq!(add(&collector, &collection, &dusk, json!({"note": "Last"})).await.status, StatusCode::CREATED);

    // Adding a work again adds nothing and keeps its note; a note given
    // replaces it, and null removes it.
    let again = add(&collector, &collection, &noon, json!({})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["note"], "The light on the water.\nSee the left edge.");
    assert_eq!(add(&collector, &collection, &dusk, json!({"note": "Last light"})).await.body["note"], "Last light");
    let cleared = add(&collector, &collection, &dawn, json!({"note": null})).await;
    assert_eq!((cleared.status, &cleared.body["note"]), (StatusCode::OK, &Value::Null));

    let view = collector.get(&path(&collection)).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    assert_eq!(work_titles(&view.body), ["Dawn", "Noon", "Dusk"], "in the order they were added");
    assert_eq!(view.body["item_count"], 3);
    assert_eq!(view.body["cover"]["title"], "Dawn", "the first work is the cover");
    assert_eq!(view.body["previews"].as_array().unwrap().len(), 2);
    assert_eq!(view.body["items"][2]["note"], "Last light");
    assert_eq!(view.body["unavailable_count"], 0);

    let order = |ids: &[&str]| json!({"artwork_ids": ids});
    let reordered =
        collector.put(&format!("{}/order", path(&collection)), order(&[&dusk.id, &dawn.id, &noon.id])).await;
    assert_eq!(reordered.status, StatusCode::OK, "{}", reordered.body);
    assert_eq!(work_titles(&reordered.body), ["Dusk", "Dawn", "Noon"]);
    assert_eq!(work_titles(&collector.get(&path(&collection)).await.body), ["Dusk", "Dawn", "Noon"]);
    assert_eq!(collector.get(&path(&collection)).await.body["cover"]["title"], "Dusk");

    // An order must name every work once, and nothing else.
    let stranger = Uuid::now_v7().to_string();
    for bad in [
        order(&[&dusk.id, &dawn.id]),
        order(&[&dusk.id, &dawn.id, &noon.id, &noon.id]),
        order(&[&dusk.id, &dawn.id, &stranger]),
    ] {
        let refused = collector.put(&format!("{}/order", path(&collection)), bad).await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_errors(&refused), ["artwork_ids"]);
    }

    let removed = collector.delete(&format!("{}/items/{}", path(&collection), dawn.id)).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let removed_again = collector.delete(&format!("{}/items/{}", path(&collection), dawn.id)).await;
    assert_eq!(removed_again.status, StatusCode::NO_CONTENT, "taking out a work twice is the same as once");
    assert_eq!(work_titles(&collector.get(&path(&collection)).await.body), ["Dusk", "Noon"]);

    // The "add to collection" menu of a work's page ticks the collections holding it.
    let other = create(&collector, json!({"title": "Dusk only"})).await;
    add(&collector, &other, &dusk, json!({})).await;
    let menu = |work: &ArtworkView| format!("/api/me/collections?artwork_id={}", work.id);
    let mine = collector.get(&menu(&noon)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(titles_of(&mine.body), ["Dusk only", "Quiet harbours"], "most recently changed first");
    let ticks: Vec<&Value> = mine.body["items"].as_array().unwrap().iter().map(|c| &c["contains_artwork"]).collect();
    assert_eq!(ticks, [&json!(false), &json!(true)]);
    let ticks = collector.get(&menu(&dusk)).await.body["items"].clone();
    assert!(ticks.as_array().unwrap().iter().all(|c| c["contains_artwork"] == true));
    let plain = collector.get("/api/me/collections").await;
    assert!(plain.body["items"][0].get("contains_artwork").is_none(), "only asked about a work");

    // Deleting a collection takes the list, not the works.
    assert_eq!(collector.delete(&path(&other)).await.status, StatusCode::NO_CONTENT);
    assert_problem(&collector.get(&path(&other)).await, StatusCode::NOT_FOUND);
    assert_eq!(app.anonymous().get(&format!("/api/artworks/{}", dusk.id)).await.status, StatusCode::OK);
    assert_eq!(titles_of(&collector.get("/api/me/collections").await.body), ["Quiet harbours"]);
}

#[tokio::test]
async fn a_private_collection_is_its_owners_alone_until_made_public() {
    let app = spawn_app().await;
    let artist = app.artist("sea-painter").await;
    let wave = artist.artwork(json!({"title": "Wave"})).await;
    let owner = app.collector("private-owner@example.com").await;
    let someone = app.collector("someone-else@example.com").await;
    let anonymous = app.anonymous();
    let collection = create(&owner, json!({"title": "Northern Seascapes"})).await;
    add(&owner, &collection, &wave, json!({"note": "Mine"})).await;
    let mine = owner.id;

    // To anyone else it does not exist: reading, changing, adding to it.
    for response in [
        someone.get(&path(&collection)).await,
        anonymous.get(&path(&collection)).await,
        someone.get(&format!("{}/items", path(&collection))).await,
        someone.patch(&path(&collection), json!({"title": "Taken"})).await,
        someone.delete(&path(&collection)).await,
        add(&someone, &collection, &wave, json!({})).await,
        someone.put(&format!("{}/order", path(&collection)), json!({"artwork_ids": [wave.id]})).await,
    ] {
        assert_problem(&response, StatusCode::NOT_FOUND);
    }
    assert!(collections_found(&someone, "seascapes").await.is_empty(), "a private collection is not searched");
    assert!(collections_found(&owner, "seascapes").await.is_empty(), "not even for its owner: search is public");
    let theirs = anonymous.get(&format!("/api/users/{mine}/collections")).await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    assert!(titles_of(&theirs.body).is_empty());

    let public = owner.patch(&path(&collection), json!({"visibility": "public"})).await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.body);
    assert_eq!(public.body["visibility"], "public");

    let seen = someone.get(&path(&collection)).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(work_titles(&seen.body), ["Wave"]);
    assert_eq!(seen.body["items"][0]["note"], "Mine");
    assert_eq!(seen.body["can_edit"], false);
    assert_eq!(seen.body["unavailable_count"], Value::Null, "only its editors hear about hidden works");
    assert_eq!(anonymous.get(&path(&collection)).await.status, StatusCode::OK);
    // Reading is not changing.
    assert_problem(&someone.patch(&path(&collection), json!({"title": "Taken"})).await, StatusCode::FORBIDDEN);
    assert_problem(&someone.delete(&path(&collection)).await, StatusCode::FORBIDDEN);
    assert_problem(&add(&someone, &collection, &wave, json!({})).await, StatusCode::FORBIDDEN);
    assert_problem(&someone.delete(&format!("{}/items/{}", path(&collection), wave.id)).await, StatusCode::FORBIDDEN);

    assert_eq!(collections_found(&anonymous, "seascapes").await, ["Northern Seascapes"]);
    assert_eq!(collections_found(&anonymous, "seascapse").await, ["Northern Seascapes"], "a typo still finds it");
    assert_eq!(collections_found(&anonymous, "northern%20seascape").await, ["Northern Seascapes"]);
    assert!(collections_found(&anonymous, "mountains").await.is_empty());
    // Collections come with the first page of works only.
    let second_page = anonymous.get("/api/search?q=seascapes&mode=keyword&cursor=20").await;
    assert_eq!(second_page.status, StatusCode::OK, "{}", second_page.body);
    assert!(second_page.body.get("collections").is_none(), "{}", second_page.body);
    let theirs = anonymous.get(&format!("/api/users/{mine}/collections")).await;
    assert_eq!(titles_of(&theirs.body), ["Northern Seascapes"]);
    assert_eq!(theirs.body["items"][0]["cover"]["title"], "Wave");

    // A public collection with no work on view is not worth showing others.
    create(&owner, json!({"title": "Empty Seascapes", "visibility": "public"})).await;
    assert_eq!(collections_found(&anonymous, "seascapes").await, ["Northern Seascapes"]);
    assert_eq!(titles_of(&anonymous.get(&format!("/api/users/{mine}/collections")).await.body), ["Northern Seascapes"]);

    let private_again = owner.patch(&path(&collection), json!({"visibility": "private"})).await;
    assert_eq!(private_again.status, StatusCode::OK);
    assert_problem(&someone.get(&path(&collection)).await, StatusCode::NOT_FOUND);
    assert!(collections_found(&anonymous, "seascapes").await.is_empty());
}

#[tokio::test]
async fn moderators_publish_editorial_collections_to_the_home_page() {
    let app = spawn_app().await;
    let artist = app.artist("summer-painter").await;
    let field = artist.artwork(json!({"title": "Poppy Field"})).await;
    let shore = artist.artwork(json!({"title": "Shore"})).await;
    let editor = app.moderator("editor@example.com").await;
    let other_editor = app.moderator("second-editor@example.com").await;
    let collector = app.collector("reader@example.com").await;
    let anonymous = app.anonymous();

    let refused = collector.post("/api/collections", json!({"title": "Summer Light", "kind": "editorial"})).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    let private = editor
        .post("/api/collections", json!({"title": "Summer Light", "kind": "editorial", "visibility": "private"}))
        .await;
    assert_eq!(field_errors(&private), ["visibility"]);

    let summer = create(&editor, json!({"title": "Summer Light!", "kind": "editorial"})).await;
    assert_eq!(summer["slug"], "summer-light", "made from the title");
    assert_eq!((&summer["published_at"], &summer["owner"]), (&Value::Null, &Value::Null));
    assert_eq!(summer["visibility"], "public");
    let namesake = create(&editor, json!({"title": "Summer light", "kind": "editorial"})).await;
    assert_eq!(namesake["slug"], "summer-light-2", "a clash gets a number");

    // A draft is the editors' alone.
    let by_slug = "/api/collections/by-slug/summer-light";
    assert_problem(&collector.get(&path(&summer)).await, StatusCode::NOT_FOUND);
    assert_problem(&anonymous.get(by_slug).await, StatusCode::NOT_FOUND);
    assert_eq!(other_editor.get(by_slug).await.status, StatusCode::OK, "editors preview drafts");
    assert_problem(&collector.get("/api/collections/editorial?state=draft").await, StatusCode::FORBIDDEN);
    assert_problem(&anonymous.get("/api/collections/editorial?state=draft").await, StatusCode::UNAUTHORIZED);
    let drafts = other_editor.get("/api/collections/editorial?state=draft").await;
    assert_eq!(titles_of(&drafts.body), ["Summer light", "Summer Light!"]);

    // Only moderators publish, and only collections with works on view.
    let publication = format!("{}/publication", path(&summer));
    assert_problem(&collector.put_empty(&publication).await, StatusCode::FORBIDDEN);
    assert_problem(&editor.put_empty(&publication).await, StatusCode::CONFLICT);
    // Any editor works on an editorial collection, not only the one who started it.
    let added = add(&other_editor, &summer, &field, json!({"note": "Where summer starts."})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    add(&editor, &summer, &shore, json!({})).await;
    assert_problem(&add(&collector, &summer, &shore, json!({})).await, StatusCode::NOT_FOUND);

    let published = editor.put_empty(&publication).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    let published_at = published.body["published_at"].clone();
    assert!(published_at.is_string());
    let again = other_editor.put_empty(&publication).await;
    assert_eq!(again.body["published_at"], published_at, "publishing again changes nothing");

    let home = anonymous.get("/api/collections/editorial").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    assert_eq!(titles_of(&home.body), ["Summer Light!"], "the unpublished namesake stays a draft");
    assert_eq!(home.body["items"][0]["cover"]["title"], "Poppy Field");
    assert_eq!(home.body["items"][0]["item_count"], 2);
    let page = anonymous.get(by_slug).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(work_titles(&page.body), ["Poppy Field", "Shore"]);
    assert_eq!(page.body["items"][0]["note"], "Where summer starts.");
    assert_eq!(page.body["can_edit"], false);
    assert_eq!(collector.get(&path(&summer)).await.status, StatusCode::OK);
    assert_eq!(collections_found(&anonymous, "summer").await, ["Summer Light!"], "editorial ones are searched");

    // The editors may move its page; the old address then leads nowhere.
    let moved = editor.patch(&path(&summer), json!({"slug": "long-summer-light"})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_problem(&anonymous.get(by_slug).await, StatusCode::NOT_FOUND);
    assert_eq!(anonymous.get("/api/collections/by-slug/long-summer-light").await.status, StatusCode::OK);
    let taken = editor.patch(&path(&summer), json!({"slug": "summer-light-2"})).await;
    assert_problem(&taken, StatusCode::CONFLICT);
    assert_eq!(field_errors(&editor.patch(&path(&summer), json!({"slug": "Not A Slug"})).await), ["slug"]);
    assert_eq!(field_errors(&editor.patch(&path(&summer), json!({"visibility": "private"})).await), ["visibility"]);

    // Personal collections are not published, nor do they have slugs.
    let personal = create(&editor, json!({"title": "My own picks", "visibility": "public"})).await;
    add(&editor, &personal, &shore, json!({})).await;
    assert_problem(&editor.put_empty(&format!("{}/publication", path(&personal))).await, StatusCode::CONFLICT);
    assert_eq!(field_errors(&editor.patch(&path(&personal), json!({"slug": "my-own-picks"})).await), ["slug"]);
    let someones = create(&collector, json!({"title": "Secret"})).await;
    assert_problem(&editor.put_empty(&format!("{}/publication", path(&someones))).await, StatusCode::NOT_FOUND);

    let unpublished = editor.delete(&publication).await;
    assert_eq!(unpublished.status, StatusCode::OK, "{}", unpublished.body);
    assert_eq!(unpublished.body["published_at"], Value::Null);
    assert!(titles_of(&anonymous.get("/api/collections/editorial").await.body).is_empty());
    assert_problem(&anonymous.get("/api/collections/by-slug/long-summer-light").await, StatusCode::NOT_FOUND);
    assert!(collections_found(&anonymous, "summer").await.is_empty());
    assert_problem(&collector.delete(&publication).await, StatusCode::FORBIDDEN);
}

/// Its artist sets a work's status.
async fn set_status(artist: &Caller<'_>, work: &ArtworkView, status: &str) {
    let response = artist
        .with_header("if-match", "*")
        .patch(&format!("/api/artworks/{}", work.id), json!({"status": status}))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[tokio::test]
async fn works_that_leave_public_view_leave_every_collection_view() {
    let app = spawn_app().await;
    let artist = app.artist("fading-painter").await;
    let kept = artist.artwork(json!({"title": "Kept"})).await;
    let archived = artist.artwork(json!({"title": "Archived"})).await;
    let held = artist.artwork(json!({"title": "Held"})).await;
    let drafted = artist.artwork(json!({"title": "Drafted"})).await;
    let owner = app.collector("fading-owner@example.com").await;
    let reader = app.collector("fading-reader@example.com").await;
    let collection = create(&owner, json!({"title": "Fading Lights", "visibility": "public"})).await;
    for work in [&archived, &held, &kept, &drafted] {
        assert_eq!(add(&owner, &collection, work, json!({})).await.status, StatusCode::CREATED);
    }
    assert_eq!(reader.get(&path(&collection)).await.body["item_count"], 4);

    assert_eq!(artist.delete(&format!("/api/artworks/{}", archived.id)).await.status, StatusCode::NO_CONTENT);
    set_status(&artist, &drafted, "draft").await;
    sqlx::query("UPDATE artworks SET held_for_review = true WHERE id = $1::uuid")
        .bind(&held.id)
        .execute(&app.ctx.db)
        .await
        .unwrap();

    for who in [&*reader, &app.anonymous(), &*owner] {
        let view = who.get(&path(&collection)).await;
        assert_eq!(work_titles(&view.body), ["Kept"]);
        assert_eq!(view.body["item_count"], 1);
        assert_eq!(view.body["cover"]["title"], "Kept");
        assert_eq!(view.body["previews"], json!([]));
        let more = who.get(&format!("{}/items", path(&collection))).await;
        assert_eq!(work_titles(&more.body), ["Kept"]);
    }
    assert_eq!(owner.get(&path(&collection)).await.body["unavailable_count"], 3, "its owner hears how many");
    let listed = app.anonymous().get(&format!("/api/users/{}/collections", owner.id)).await;
    assert_eq!(listed.body["items"][0]["item_count"], 1);
    assert_eq!(listed.body["items"][0]["cover"]["title"], "Kept");

    // A hidden work cannot be added or annotated, and a new order names only
    // the works on view.
    assert_problem(&add(&owner, &collection, &held, json!({"note": "?"})).await, StatusCode::NOT_FOUND);
    let order = format!("{}/order", path(&collection));
    assert_problem(
        &owner.put(&order, json!({"artwork_ids": [kept.id, held.id]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_eq!(owner.put(&order, json!({"artwork_ids": [kept.id]})).await.status, StatusCode::OK);

    // A work published again comes back, after the works on view.
    set_status(&artist, &drafted, "published").await;
    assert_eq!(work_titles(&reader.get(&path(&collection)).await.body), ["Kept", "Drafted"]);

    // With nothing left on view, search no longer shows the collection.
    assert_eq!(collections_found(&reader, "fading").await, ["Fading Lights"]);
    assert_eq!(artist.delete(&format!("/api/artworks/{}", kept.id)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(artist.delete(&format!("/api/artworks/{}", drafted.id)).await.status, StatusCode::NO_CONTENT);
    assert!(collections_found(&reader, "fading").await.is_empty());
    let empty = reader.get(&path(&collection)).await;
    assert_eq!((empty.body["item_count"].as_u64(), &empty.body["cover"]), (Some(0), &Value::Null));
}

#[tokio::test]
async fn bad_input_and_limits_are_refused_with_reasons() {
    let app = spawn_app().await;
    let artist = app.artist("limit-painter").await;
    let work = artist.artwork(json!({"title": "One"})).await;
    let collector = app.collector("limits@example.com").await;

    assert_problem(&app.anonymous().post("/api/collections", json!({"title": "Mine"})).await, StatusCode::UNAUTHORIZED);
    assert_problem(&app.anonymous().get("/api/me/collections").await, StatusCode::UNAUTHORIZED);
    for (body, field) in [
        (json!({"title": "x".repeat(121)}), "title"),
        (json!({"title": "   "}), "title"),
        (json!({"title": "bell\u{7}"}), "title"),
        (json!({"title": "Fine", "description": "d".repeat(2001)}), "description"),
        (json!({"title": "Fine", "kind": "shared"}), "kind"),
        (json!({"title": "Fine", "colour": "blue"}), ""),
    ] {
        let refused = collector.post("/api/collections", body.clone()).await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
        let fields = field_errors(&refused);
        assert!(fields.iter().any(|f| f.starts_with(field)), "{body}: {fields:?}");
    }
    let collection = create(&collector, json!({"title": "x".repeat(120)})).await;
    let long_note = add(&collector, &collection, &work, json!({"note": "n".repeat(501)})).await;
    assert_eq!(field_errors(&long_note), ["note"]);
    let long_title = collector.patch(&path(&collection), json!({"title": "y".repeat(121)})).await;
    assert_eq!(field_errors(&long_title), ["title"]);
    assert_eq!(field_errors(&collector.get("/api/me/collections?limit=0").await), ["limit"]);
    assert_eq!(field_errors(&collector.get("/api/me/collections?cursor=yesterday").await), ["cursor"]);
    assert_eq!(field_errors(&collector.get(&format!("{}/items?cursor=-1", path(&collection))).await), ["cursor"]);
    assert_problem(&add(&collector, &collection, &work, json!({"note": 5})).await, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = collector.put(&format!("{}/items/{}", path(&collection), Uuid::now_v7()), json!({})).await;
    assert_problem(&unknown, StatusCode::NOT_FOUND);
    assert_problem(&app.anonymous().get("/api/collections/by-slug/NOT%20a%20slug").await, StatusCode::NOT_FOUND);

    // At most 500 works in a collection.
    let db = &app.ctx.db;
    let id: Uuid = collection["id"].as_str().unwrap().parse().unwrap();
    sqlx::query(
        "WITH copies AS (
             INSERT INTO artworks (id, artist_id, title, category_id, edition_kind, price_minor, currency, status, completeness)
             SELECT gen_random_uuid(), artist_id, title || ' ' || n, category_id, edition_kind, price_minor, currency,
                    status, completeness
             FROM artworks, generate_series(1, 500) n WHERE id = $1::uuid
             RETURNING id, title)
         INSERT INTO collection_items (collection_id, artwork_id, position)
         SELECT $2, id, split_part(title, ' ', 2)::integer FROM copies",
    )
    .bind(&work.id)
    .bind(id)
    .execute(db)
    .await
    .unwrap();
    assert_problem(&add(&collector, &collection, &work, json!({})).await, StatusCode::CONFLICT);
    let page = collector.get(&format!("{}/items?limit=100", path(&collection))).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 100);
    let next = page.body["next_cursor"].as_str().unwrap();
    let following = collector.get(&format!("{}/items?limit=100&cursor={next}", path(&collection))).await;
    assert_eq!(following.body["items"][0]["artwork"]["title"], "One 101", "{}", following.body);

    // At most 200 collections each.
    sqlx::query(
        "INSERT INTO collections (id, owner_id, kind, title, visibility)
         SELECT gen_random_uuid(), $1, 'personal', 'Filler ' || n, 'private' FROM generate_series(1, 198) n",
    )
    .bind(collector.id)
    .execute(db)
    .await
    .unwrap();
    create(&collector, json!({"title": "The two hundredth"})).await;
    let over = collector.post("/api/collections", json!({"title": "One too many"})).await;
    assert_problem(&over, StatusCode::CONFLICT);
    let mine = collector.get("/api/me/collections?limit=50").await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 50);
    assert!(mine.body["next_cursor"].is_string());
}
