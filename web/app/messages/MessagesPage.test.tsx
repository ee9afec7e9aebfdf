import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { COUNTER_OFFER, FIRST_OFFER, NEGOTIATION, gbp, negotiationView, offerView } from "@/test/commerce";
import { fakeLive, renderWithLive } from "@/test/live";
import { json, problem, requests, route } from "@/test/network";

import { TYPING_SHOWN_MS } from "./ConversationView";
import { MessagesPage } from "./MessagesPage";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const ME = "0190c4f6-9999-7000-8000-000000000001";
const HANA = "0190c4f6-aaaa-7000-8000-000000000001";
const WORK = "0190c4f6-1111-7000-8000-00000000000a";
const TALK = "0190c4f6-cccc-7000-8000-000000000001";
const collector = { id: ME, email: "iris@example.com", display_name: "Iris", role: "collector", artist_id: null, email_verified: true, created_at: "2026-11-01T00:00:00Z" } as const;

function conversation(overrides: Partial<Schemas["ConversationView"]> = {}): Schemas["ConversationView"] {
  return {
    id: TALK,
    artwork_id: WORK,
    artwork_title: "Wave at Dawn",
    collector: { user_id: ME, name: "Iris" },
    artist: { user_id: HANA, name: "Hana Okabe", artist_slug: "hana-okabe" },
    unread: 0,
    their_last_read_id: null,
    blocked: false,
    last_message: { sender_id: HANA, excerpt: "Yes, it ships framed." },
    created_at: "2026-12-03T10:00:00Z",
    last_message_at: "2026-12-03T10:05:00Z",
    ...overrides,
  };
}

const id = (n: number) => `0190c4f6-${String(n).padStart(4, "0")}-7000-8000-000000000001`;
function message(n: number, sender: string, body: string): Schemas["MessageView"] {
  return { id: id(n), conversation_id: TALK, sender_id: sender, body, created_at: `2026-12-03T10:0${n}:00Z` };
}

beforeEach(() => {
  useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the inbox", () => {
  it("lists conversations by the other side's name, with the last message and what is unread", async () => {
    window.history.pushState({}, "", "/messages/");
    let inbox = [conversation({ unread: 2 }), conversation({ id: id(7), artwork_title: "Low Tide", artist: { user_id: id(8), name: "Ada Lind" }, last_message: { sender_id: ME, excerpt: "Thank you!" } })];
    route({ "GET /api/conversations": () => json({ items: inbox, next_cursor: null }) });
    const live = fakeLive();
    renderWithLive(<MessagesPage />, live);

    const list = await screen.findByRole("list", { name: "Conversations" });
    const rows = within(list).getAllByRole("listitem");
    expect(within(rows[0]!).getByRole("link", { name: "Hana Okabe" })).toHaveAttribute("href", expect.stringMatching(new RegExp(`\\?c=${TALK}$`)));
    expect(rows[0]).toHaveTextContent("About “Wave at Dawn”");
    expect(rows[0]).toHaveTextContent("Yes, it ships framed.");
    expect(rows[0]).toHaveTextContent("2 unread");
    expect(rows[1]).toHaveTextContent("You: Thank you!");
    expect(rows[1]).not.toHaveTextContent("unread");
    expect(list).not.toHaveTextContent("@");

    // A message anywhere reaches the inbox through the person's channel.
    inbox = [conversation({ unread: 3, last_message: { sender_id: HANA, excerpt: "It is oil on linen." } }), inbox[1]!];
    live.event(`user:${ME}`, "notification", { id: id(9), kind: "message", data: { conversation_id: TALK }, created_at: "2026-12-03T10:09:00Z" });
    await waitFor(() => expect(within(list).getAllByRole("listitem")[0]).toHaveTextContent("It is oil on linen."));
    expect(within(list).getAllByRole("listitem")[0]).toHaveTextContent("3 unread");
  });
});

describe("a conversation", () => {
  function open(options: { conversation?: Schemas["ConversationView"]; messages?: Schemas["MessageView"][]; nextBefore?: string | null } = {}) {
    window.history.pushState({}, "", `/messages/?c=${TALK}`);
    route({
      [`GET /api/conversations/${TALK}`]: json(options.conversation ?? conversation()),
      [`GET /api/conversations/${TALK}/messages`]: json({
        items: options.messages ?? [message(2, HANA, "Yes, it ships framed."), message(1, ME, "Is it framed?")],
        next_before: options.nextBefore ?? null,
      }),
      [`POST /api/conversations/${TALK}/read`]: json({ last_read_id: id(2) }),
    });
    const live = fakeLive();
    renderWithLive(<MessagesPage />, live);
    return live;
  }

  const reads = () => requests.filter((r) => r.method === "POST" && r.url.endsWith(`/api/conversations/${TALK}/read`)).length;

  it("shows the messages oldest first, as plain text, and marks them read when opened", async () => {
    open({
      conversation: conversation({ unread: 1 }),
      messages: [message(2, HANA, "Yes.\n\n<b>Framed</b> in oak."), message(1, ME, "Is it framed?")],
    });
    const list = await screen.findByRole("list", { name: "Messages" });
    expect(screen.getByRole("heading", { level: 1, name: "Hana Okabe" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Wave at Dawn" })).toHaveAttribute("href", `/artworks/${WORK}`);
    const items = within(list).getAllByRole("listitem");
    expect(items[0]).toHaveTextContent("You: Is it framed?");
    expect(items[1]).toHaveTextContent("Hana Okabe: Yes. <b>Framed</b> in oak.");
    const body = within(items[1]!).getByText(/Framed/);
    expect(body.querySelector("b")).toBeNull();
    expect(body).toHaveClass("whitespace-pre-wrap");
    expect(body.textContent).toBe("Yes.\n\n<b>Framed</b> in oak.");
    await waitFor(() => expect(reads()).toBe(1));
    expect(screen.queryByText(/Seen/)).not.toBeInTheDocument();
  });

  it("adds the other side's messages as they arrive, reads them, and shows when they are typing", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const live = open();
    await screen.findByRole("list", { name: "Messages" });
    expect(live.channels()).toContain(`conversation:${TALK}`);
    expect(reads()).toBe(0);

    live.send({ type: "typing", channel: `conversation:${TALK}`, user_id: HANA });
    expect(await screen.findByText("Hana Okabe is typing…")).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(TYPING_SHOWN_MS + 10));
    await waitFor(() => expect(screen.queryByText("Hana Okabe is typing…")).not.toBeInTheDocument());

    live.send({ type: "typing", channel: `conversation:${TALK}`, user_id: HANA });
    expect(await screen.findByText("Hana Okabe is typing…")).toBeInTheDocument();
    live.event(`conversation:${TALK}`, "message", message(3, HANA, "It is oil on linen."));
    live.event(`conversation:${TALK}`, "message", message(3, HANA, "It is oil on linen."));
    const list = screen.getByRole("list", { name: "Messages" });
    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(3));
    expect(within(list).getAllByRole("listitem")[2]).toHaveTextContent("It is oil on linen.");
    expect(screen.queryByText("Hana Okabe is typing…")).not.toBeInTheDocument();
    await waitFor(() => expect(reads()).toBe(1));
  });

  it("says Seen under the collector's last message once the other side has read it", async () => {
    const live = open({ messages: [message(2, ME, "Does it ship abroad?"), message(1, HANA, "Hello!")], conversation: conversation({ their_last_read_id: id(1) }) });
    const list = await screen.findByRole("list", { name: "Messages" });
    expect(within(list).queryByText(/Seen/)).not.toBeInTheDocument();
    live.event(`conversation:${TALK}`, "read", { user_id: ME, last_read_id: id(2) });
    live.event(`conversation:${TALK}`, "read", { user_id: HANA, last_read_id: id(2) });
    await waitFor(() => expect(within(within(list).getAllByRole("listitem")[1]!).getByText(/Seen/)).toBeInTheDocument());
  });

  it("sends a message, signals typing at most every two seconds, and shows a refusal under the box", async () => {
    const live = open();
    let sent: unknown = null;
    route({
      [`POST /api/conversations/${TALK}/messages`]: async (request) => {
        sent = await request.json();
        return json(message(3, ME, "Can I collect it?"), 201);
      },
    });
    const box = await screen.findByLabelText("Your message");
    await userEvent.type(box, "Can I collect it?");
    expect(live.typing).toHaveBeenCalledTimes(1);
    expect(live.typing).toHaveBeenCalledWith(`conversation:${TALK}`);
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    const list = screen.getByRole("list", { name: "Messages" });
    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(3));
    expect(sent).toEqual({ body: "Can I collect it?" });
    expect(box).toHaveValue("");
    // The same message coming back live is not shown twice.
    live.event(`conversation:${TALK}`, "message", message(3, ME, "Can I collect it?"));
    expect(within(list).getAllByRole("listitem")).toHaveLength(3);

    route({
      [`POST /api/conversations/${TALK}/messages`]: problem(422, "Unprocessable", "invalid fields", [{ field: "body", message: "must be at most 4000 characters" }]),
    });
    await userEvent.type(box, "Far too long");
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    expect(await screen.findByText("Your message must be at most 4000 characters.")).toBeInTheDocument();
    expect(box).toHaveAttribute("aria-invalid", "true");
    expect(box).toHaveValue("Far too long");
  });

  it("shows the steps of an offer as cards with the offer's amount and status, leading to its thread", async () => {
    const first = offerView({ status: "countered" });
    const counter = offerView({ id: COUNTER_OFFER, party: "artist", amount: gbp(110000) });
    let negotiations = [negotiationView({ offers: [first, counter], awaiting: "buyer", actions: ["accept", "counter", "decline"] })];
    route({ "GET /api/offers": () => json({ items: negotiations, next_before: null }) });
    const live = open({
      messages: [
        { ...message(2, HANA, "Countered with GBP 1100.00.\n\nIt took me a year."), offer_id: COUNTER_OFFER },
        { ...message(1, ME, "Offered GBP 900.00."), offer_id: FIRST_OFFER },
      ],
    });
    const list = await screen.findByRole("list", { name: "Messages" });
    await waitFor(() => expect(within(list).getAllByRole("link", { name: "View the offer" })).toHaveLength(2));
    const [mine, theirs] = within(list).getAllByRole("listitem");
    expect(mine).toHaveTextContent("You: Offer£900.00CounteredOffered GBP 900.00.");
    expect(theirs).toHaveTextContent("Hana Okabe: Offer£1,100.00Awaiting an answerCountered with GBP 1100.00.");
    expect(within(theirs!).getByRole("link", { name: "View the offer" })).toHaveAttribute("href", expect.stringMatching(new RegExp(`^/offers/?\\?id=${NEGOTIATION}$`)));
    expect(requests.find((r) => r.url.includes("/api/offers"))!.url).toMatch(/role=buyer/);

    // The collector accepts elsewhere; the step arrives and the cards follow.
    negotiations = [negotiationView({ status: "accepted", awaiting: null, actions: [], offers: [first, { ...counter, status: "accepted" }] })];
    live.event(`conversation:${TALK}`, "message", { ...message(3, ME, "Accepted the offer of GBP 1100.00. The order is placed and paid."), offer_id: COUNTER_OFFER });
    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(3));
    await waitFor(() => expect(within(list).getAllByText("Accepted")).toHaveLength(2));
  });

  it("loads older messages above the others", async () => {
    open({ nextBefore: id(1) });
    const older = screen.findByRole("button", { name: "Load older messages" });
    route({
      [`GET /api/conversations/${TALK}/messages`]: (request) =>
        new URL(request.url).searchParams.get("before") === id(1)
          ? json({ items: [message(0, HANA, "Welcome to the studio.")], next_before: null })
          : json({ items: [message(2, HANA, "Yes, it ships framed."), message(1, ME, "Is it framed?")], next_before: id(1) }),
    });
    await userEvent.click(await older);
    const list = screen.getByRole("list", { name: "Messages" });
    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(3));
    expect(within(list).getAllByRole("listitem")[0]).toHaveTextContent("Welcome to the studio.");
    expect(screen.queryByRole("button", { name: "Load older messages" })).not.toBeInTheDocument();
  });

  it("blocks and unblocks the other side, and reports the conversation", async () => {
    open();
    route({
      [`PUT /api/conversations/${TALK}/block`]: new Response(null, { status: 204 }),
      [`DELETE /api/conversations/${TALK}/block`]: new Response(null, { status: 204 }),
      [`POST /api/conversations/${TALK}/reports`]: json({ id: id(5), conversation_id: TALK, reporter_id: ME, reporter_name: "Iris", reason: "Spam", created_at: "2026-12-03T11:00:00Z" }, 201),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Block Hana Okabe" }));
    expect(await screen.findByText(/You blocked this conversation/)).toBeInTheDocument();
    expect(screen.queryByLabelText("Your message")).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Unblock Hana Okabe" }));
    expect(await screen.findByLabelText("Your message")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Report this conversation" }));
    await userEvent.type(screen.getByLabelText("What is wrong?"), "Spam");
    await userEvent.click(screen.getByRole("button", { name: "Send report" }));
    expect(await screen.findByText("Thank you. A moderator will look at this conversation.")).toBeInTheDocument();
    const report = requests.find((r) => r.url.endsWith("/reports"));
    expect(await report!.json()).toEqual({ reason: "Spam" });
  });

  it("says a conversation that is not theirs is not found", async () => {
    window.history.pushState({}, "", `/messages/?c=${TALK}`);
    route({ [`GET /api/conversations/${TALK}`]: problem(404, "Not found", "no such conversation") });
    renderWithLive(<MessagesPage />, fakeLive());
    expect(await screen.findByRole("heading", { name: "Conversation not found" })).toBeInTheDocument();
  });
});
