import { describe, expect, it } from "vitest";

import { chronological, isReadUpTo, messageLength, otherParty, withMessage, type Message, type MessagePages } from "./messages";

const message = (n: number, sender = "a"): Message => ({
  id: `0190c4f6-${String(n).padStart(4, "0")}-7000-8000-000000000001`,
  conversation_id: "c",
  sender_id: sender,
  body: `message ${n}`,
  created_at: "2026-12-03T10:00:00Z",
});

const pages = (...items: Message[][]): MessagePages => ({
  pages: items.map((page, i) => ({ items: page, next_before: i < items.length - 1 ? page.at(-1)!.id : null })),
  pageParams: items.map((_, i) => (i === 0 ? null : "x")),
});

describe("a conversation's messages", () => {
  it("read oldest first across pages, each once", () => {
    const data = pages([message(5), message(4), message(3)], [message(3), message(2), message(1)]);
    expect(chronological(data).map((m) => m.body)).toEqual(["message 1", "message 2", "message 3", "message 4", "message 5"]);
    expect(chronological(undefined)).toEqual([]);
  });

  it("take a new message at the top of the newest page, unless it is already there", () => {
    const data = pages([message(2), message(1)]);
    const added = withMessage(data, message(3));
    expect(added!.pages[0]!.items.map((m) => m.body)).toEqual(["message 3", "message 2", "message 1"]);
    expect(withMessage(added, message(3))).toBe(added);
    // One that arrives late still sorts into place.
    expect(withMessage(pages([message(4), message(2)]), message(3))!.pages[0]!.items.map((m) => m.body)).toEqual([
      "message 4",
      "message 3",
      "message 2",
    ]);
    expect(withMessage(undefined, message(1))).toBeUndefined();
  });

  it("count as read up to the other side's read mark, by the order of their ids", () => {
    expect(isReadUpTo(message(3).id, message(3).id)).toBe(true);
    expect(isReadUpTo(message(3).id, message(4).id)).toBe(true);
    expect(isReadUpTo(message(3).id, message(2).id)).toBe(false);
    expect(isReadUpTo(message(3).id, null)).toBe(false);
  });

  it("are measured as the API measures them", () => {
    expect(messageLength("  hello \r\n")).toBe(5);
    expect(messageLength("a\r\nb")).toBe(3);
    expect(messageLength("🎨".repeat(3))).toBe(3);
  });

  it("name the other side", () => {
    const sides = { collector: { user_id: "c", name: "Iris" }, artist: { user_id: "a", name: "Hana Okabe", artist_slug: "hana" } };
    expect(otherParty(sides, "c").name).toBe("Hana Okabe");
    expect(otherParty(sides, "a").name).toBe("Iris");
  });
});
