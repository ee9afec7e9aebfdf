import { describe, expect, it } from "vitest";

import type { Schemas } from "@/lib/api/types";

import { advance, declaredType, percentSent, pollInterval, refuseFile, uploadBody, type Sending } from "./uploadFlow";

const upload = (status: Schemas["UploadStatus"]): Schemas["UploadView"] => ({
  id: "0190c4f6-4444-7000-8000-000000000001",
  artwork_id: "0190c4f6-1111-7000-8000-000000000001",
  status,
  filename: "harbour.jpg",
  content_type: "image/jpeg",
  size_bytes: 2048,
  expires_at: "2025-01-01T11:00:00Z",
  created_at: "2025-01-01T10:00:00Z",
});

describe("sending a file", () => {
  it("goes from asking for a form to handing over to the server", () => {
    let state: Sending = { phase: "starting", name: "harbour.jpg" };
    state = advance(state, { type: "created", uploadId: "u1", total: 2048 });
    expect(state).toMatchObject({ phase: "sending", loaded: 0, total: 2048 });
    state = advance(state, { type: "progress", loaded: 1024, total: 2048 });
    expect(percentSent(state)).toBe(50);
    state = advance(state, { type: "sent" });
    expect(state).toEqual({ phase: "completing", name: "harbour.jpg", uploadId: "u1" });
    expect(percentSent(state)).toBe(100);
    state = advance(state, { type: "completed" });
    expect(state.phase).toBe("done");
  });

  it("keeps a failure once it happened, whatever arrives late", () => {
    let state: Sending = { phase: "sending", name: "a.png", uploadId: "u1", loaded: 10, total: 100 };
    state = advance(state, { type: "failed", message: "the upload form expired" });
    state = advance(state, { type: "progress", loaded: 90, total: 100 });
    state = advance(state, { type: "sent" });
    expect(state).toEqual({ phase: "failed", name: "a.png", message: "the upload form expired" });
  });

  it("ignores events out of order", () => {
    const starting: Sending = { phase: "starting", name: "a.png" };
    expect(advance(starting, { type: "progress", loaded: 5, total: 10 })).toBe(starting);
    expect(advance(starting, { type: "completed" })).toBe(starting);
  });

  it("never reports more sent than the file holds", () => {
    const state = advance(
      { phase: "sending", name: "a.png", uploadId: "u1", loaded: 0, total: 100 },
      { type: "progress", loaded: 140, total: 100 },
    );
    expect(percentSent(state)).toBe(100);
  });
});

describe("checking a file before sending it", () => {
  it("lets through anything named as an image, so the server can judge the bytes", () => {
    const renamedPage = { name: "html_page.jpg", type: "image/jpeg", size: 1200 };
    expect(refuseFile(renamedPage)).toBeNull();
    expect(declaredType(renamedPage)).toBe("image/jpeg");
  });

  it("falls back on the extension when the browser gives no type", () => {
    expect(declaredType({ name: "scan.TIF", type: "" })).toBe("image/tiff");
    expect(declaredType({ name: "notes", type: "" })).toBeNull();
  });

  it("refuses what cannot be an accepted upload", () => {
    expect(refuseFile({ name: "a.gif", type: "image/gif", size: 10 })).toBe("Choose a JPEG, PNG, WebP or TIFF image.");
    expect(refuseFile({ name: "empty.jpg", type: "image/jpeg", size: 0 })).toBe("This file is empty.");
    expect(refuseFile({ name: "huge.png", type: "image/png", size: 51 * 1024 * 1024 })).toBe(
      "Images can be at most 50 MB.",
    );
  });
});

describe("the upload form body", () => {
  it("sends every signed field in order, then the file", () => {
    const body = uploadBody({ key: "originals/a/b", policy: "eyJ", signature: "abc" }, new Blob(["x"]), "a.jpg");
    expect([...body.keys()]).toEqual(["key", "policy", "signature", "file"]);
    expect((body.get("file") as File).name).toBe("a.jpg");
  });
});

describe("following an upload on the server", () => {
  it("asks every second only while the server processes it", () => {
    expect(pollInterval(upload("processing"))).toBe(1000);
    expect(pollInterval(upload("ready"))).toBe(false);
    expect(pollInterval(upload("rejected"))).toBe(false);
    expect(pollInterval(upload("pending"))).toBe(false);
  });
});
