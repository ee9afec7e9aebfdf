import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import {
  BACKOFF_MAX_MS,
  LiveConnection,
  MAX_CHANNELS,
  Offsets,
  SseParser,
  backoffDelay,
  parseMessage,
  type LiveMessage,
  type LiveOptions,
  type SocketLike,
  type SseMessage,
} from "./live";

const ME = "0190c4f6-9999-7000-8000-000000000001";
const WORK = "0190c4f6-1111-7000-8000-00000000000a";
const TALK = "0190c4f6-cccc-7000-8000-000000000001";
const userChannel = `user:${ME}`;
const workChannel = `artwork:${WORK}`;
const talkChannel = `conversation:${TALK}`;

const event = (channel: string, offset: number, kind = "notification", data: unknown = {}) => ({
  type: "event" as const,
  channel,
  offset,
  kind,
  data,
  at: "2026-12-03T10:00:00Z",
});

describe("protocol messages", () => {
  it("reads each kind the server sends and refuses anything else", () => {
    expect(parseMessage(JSON.stringify(event(workChannel, 3, "availability", { status: "sold" })))).toEqual(
      event(workChannel, 3, "availability", { status: "sold" }),
    );
    expect(parseMessage('{"type":"subscribed","channel":"user:x","offset":0}')).toEqual({ type: "subscribed", channel: "user:x", offset: 0 });
    expect(parseMessage('{"type":"reload","channel":"user:x","offset":9}')).toEqual({ type: "reload", channel: "user:x", offset: 9 });
    expect(parseMessage('{"type":"typing","channel":"conversation:x","user_id":"u"}')).toEqual({ type: "typing", channel: "conversation:x", user_id: "u" });
    expect(parseMessage('{"type":"error","channel":null,"status":400,"detail":"no"}')).toEqual({ type: "error", channel: null, status: 400, detail: "no" });
    for (const bad of ["", "not json", "[]", "null", '{"type":"event","channel":"a"}', '{"type":"event","channel":"a","offset":-1,"kind":"k"}', '{"type":"subscribed","channel":"a","offset":1.5}', '{"type":"party"}']) {
      expect(parseMessage(bad), bad).toBeNull();
    }
  });
});

describe("offsets", () => {
  it("drop any event whose offset on its channel was already seen", () => {
    const offsets = new Offsets();
    expect(offsets.accept(event(userChannel, 1))).toBe(true);
    expect(offsets.accept(event(userChannel, 2))).toBe(true);
    expect(offsets.accept(event(userChannel, 2))).toBe(false);
    expect(offsets.accept(event(userChannel, 1))).toBe(false);
    // Channels are counted apart.
    expect(offsets.accept(event(workChannel, 1))).toBe(true);
    expect(offsets.accept(event(userChannel, 3))).toBe(true);
    expect(offsets.get(userChannel)).toBe(3);
    expect(offsets.position(userChannel)).toBe(`${userChannel}=3`);
    expect(offsets.position(talkChannel)).toBe(talkChannel);
  });

  it("start from the latest offset a subscription reports, and from a reload's even when it is lower", () => {
    const offsets = new Offsets();
    offsets.accept({ type: "subscribed", channel: workChannel, offset: 7 });
    expect(offsets.accept(event(workChannel, 7))).toBe(false);
    expect(offsets.accept(event(workChannel, 8))).toBe(true);
    // A replay that ends where the client already was moves nothing back.
    offsets.accept({ type: "subscribed", channel: workChannel, offset: 5 });
    expect(offsets.get(workChannel)).toBe(8);
    offsets.accept({ type: "reload", channel: workChannel, offset: 2 });
    expect(offsets.get(workChannel)).toBe(2);
    expect(offsets.accept(event(workChannel, 3))).toBe(true);
    offsets.forget(workChannel);
    expect(offsets.get(workChannel)).toBeUndefined();
  });
});

describe("backoff", () => {
  it("doubles from a second to a cap of thirty, each wait drawn from the upper half", () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(0, () => 1)).toBe(1_000);
    expect(backoffDelay(1, () => 1)).toBe(2_000);
    expect(backoffDelay(3, () => 0.5)).toBe(6_000);
    expect(backoffDelay(5, () => 1)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(50, () => 0)).toBe(BACKOFF_MAX_MS / 2);
    expect(backoffDelay(50, () => 1)).toBe(BACKOFF_MAX_MS);
    for (let attempt = 0; attempt < 12; attempt++) {
      const wait = backoffDelay(attempt);
      expect(wait).toBeGreaterThanOrEqual(500);
      expect(wait).toBeLessThanOrEqual(BACKOFF_MAX_MS);
    }
  });
});

describe("the Server-Sent Events parser", () => {
  function parse(chunks: string[], finish = true) {
    const out: SseMessage[] = [];
    const parser = new SseParser((message) => out.push(message));
    chunks.forEach((chunk) => parser.push(chunk));
    if (finish) parser.end();
    return { out, parser };
  }

  it("dispatches at the blank line, with the id that came with the event or before it", () => {
    const { out, parser } = parse([
      'id: user:a=1\ndata: {"n":1}\n\n',
      ": keep-alive\n\n",
      'data: {"n":2}\n\n',
      'id: user:a=3,artwork:b=1\ndata: {"n":3}\n\n',
    ]);
    expect(out).toEqual([
      { id: "user:a=1", event: "message", data: '{"n":1}' },
      { id: "user:a=1", event: "message", data: '{"n":2}' },
      { id: "user:a=3,artwork:b=1", event: "message", data: '{"n":3}' },
    ]);
    expect(parser.lastEventId).toBe("user:a=3,artwork:b=1");
  });

  it("joins data lines, takes any line ending, and reassembles lines split across chunks", () => {
    const { out } = parse(["da", "ta: first\r", "\ndata:second\r\rdata: x\n", "\n", "event: ping\ndata\n\n"]);
    expect(out).toEqual([
      { id: "", event: "message", data: "first\nsecond" },
      { id: "", event: "message", data: "x" },
      { id: "", event: "ping", data: "" },
    ]);
  });

  it("drops an event the stream ended in the middle of, and blocks with no data", () => {
    const { out, parser } = parse(["id: 5\n\n", 'data: {"half":'], true);
    expect(out).toEqual([]);
    // An id alone still moves the stream's position.
    expect(parser.lastEventId).toBe("5");
  });

  it("keeps one leading space of a value and ignores ids with a NUL", () => {
    const { out, parser } = parse(["data:  two spaces\nid: bad\u0000id\n\n"]);
    expect(out).toEqual([{ id: "", event: "message", data: " two spaces" }]);
    expect(parser.lastEventId).toBe("");
  });
});

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closed = false;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const latest = () => FakeSocket.all.at(-1)!;

/** A stream the test writes to, as the server's event stream. */
function eventStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

type Call = { url: string; headers: Record<string, string> };

function setup(overrides: Partial<LiveOptions> = {}) {
  const calls: Call[] = [];
  const streams: ReturnType<typeof eventStream>[] = [];
  let token: string | null = "token-1";
  const tickets = vi.fn(() => Promise.resolve(`ticket-${tickets.mock.calls.length}`));
  const connection = new LiveConnection({
    origin: () => "https://atelier.test",
    openSocket: (url) => new FakeSocket(url),
    fetch: (url, init) => {
      calls.push({ url, headers: { ...(init.headers as Record<string, string>) } });
      const stream = eventStream();
      streams.push(stream);
      return Promise.resolve(stream.response);
    },
    token: () => token,
    ticket: tickets,
    refresh: () => Promise.resolve(true),
    random: () => 1,
    ...overrides,
  });
  const heard: LiveMessage[] = [];
  return {
    connection,
    calls,
    streams,
    tickets,
    heard,
    listen: (channel: string) => connection.subscribe(channel, (message) => heard.push(message)),
    setToken: (next: string | null) => void (token = next),
  };
}

/** Lets the connection's timers and promises run. */
const settle = (ms = 60) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the live connection over a WebSocket", () => {
  it("opens with a ticket once the session is known, and subscribes to what is wanted", async () => {
    const { connection, listen, heard } = setup();
    listen(userChannel);
    await settle();
    expect(FakeSocket.all).toHaveLength(0); // the session is still being restored
    connection.setIdentity(ME);
    await settle();
    expect(latest().url).toBe("wss://atelier.test/api/realtime?ticket=ticket-1");
    latest().open();
    expect(latest().sent).toEqual([{ type: "subscribe", channel: userChannel }]);
    latest().receive({ type: "subscribed", channel: userChannel, offset: 4 });
    latest().receive(event(userChannel, 5));
    latest().receive(event(userChannel, 5));
    expect(heard.map((m) => m.type)).toEqual(["subscribed", "event"]);
    expect(connection.status).toBe("open");
  });

  it("connects a visitor without a ticket, carrying only works", async () => {
    const { connection, listen, tickets } = setup();
    listen(userChannel);
    listen(workChannel);
    connection.setIdentity(null);
    await settle();
    expect(latest().url).toBe("wss://atelier.test/api/realtime");
    latest().open();
    expect(latest().sent).toEqual([{ type: "subscribe", channel: workChannel }]);
    expect(tickets).not.toHaveBeenCalled();
  });

  it("connects to the WebSocket API the site was built for, with the ticket as at its own origin", async () => {
    const gateway = "wss://abc123.execute-api.eu-west-2.amazonaws.com/live";
    const { connection, listen } = setup({ socketUrl: () => gateway });
    listen(userChannel);
    connection.setIdentity(ME);
    await settle();
    expect(latest().url).toBe(`${gateway}?ticket=ticket-1`);
    latest().open();
    expect(latest().sent).toEqual([{ type: "subscribe", channel: userChannel }]);

    connection.setIdentity(null);
    listen(workChannel);
    await settle();
    expect(latest().url).toBe(gateway);
  });

  it("reconnects with backoff after a drop, resumes each channel from its last offset and drops the replay's repeats", async () => {
    const { connection, listen, heard } = setup();
    connection.setIdentity(ME);
    listen(userChannel);
    listen(workChannel);
    await settle();
    const first = latest();
    first.open();
    first.receive({ type: "subscribed", channel: userChannel, offset: 2 });
    first.receive({ type: "subscribed", channel: workChannel, offset: 0 });
    first.receive(event(userChannel, 3));
    first.receive(event(workChannel, 1, "availability"));
    first.drop();
    expect(connection.status).toBe("waiting");

    await settle(999);
    expect(FakeSocket.all).toHaveLength(1);
    await settle(2);
    const second = latest();
    expect(second).not.toBe(first);
    second.open();
    expect(second.sent).toEqual([
      { type: "subscribe", channel: userChannel, since: 3 },
      { type: "subscribe", channel: workChannel, since: 1 },
    ]);
    // The server replays from `since`, overlapping what arrived live.
    second.receive(event(userChannel, 3));
    second.receive(event(userChannel, 4));
    second.receive({ type: "subscribed", channel: userChannel, offset: 4 });
    const events = heard.filter((m) => m.type === "event").map((m) => `${m.channel}@${(m as { offset: number }).offset}`);
    expect(events).toEqual([`${userChannel}@3`, `${workChannel}@1`, `${userChannel}@4`]);
  });

  it("waits longer after each failure in a row, and starts over once subscribed", async () => {
    const { connection, listen } = setup();
    connection.setIdentity(ME);
    listen(userChannel);
    await settle();
    latest().open();
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = FakeSocket.all.length;
      latest().drop();
      let waited = 0;
      while (FakeSocket.all.length === before) {
        await settle(250);
        waited += 250;
      }
      waits.push(waited);
      latest().open();
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);

    latest().receive({ type: "subscribed", channel: userChannel, offset: 0 });
    const before = FakeSocket.all.length;
    latest().drop();
    await settle(1_000);
    expect(FakeSocket.all.length).toBe(before + 1);
  });

  it("comes straight back after the server closes a slow reader with 1013", async () => {
    const { connection, listen } = setup({ random: () => 0 });
    connection.setIdentity(ME);
    listen(userChannel);
    await settle();
    latest().open();
    latest().receive({ type: "subscribed", channel: userChannel, offset: 0 });
    latest().drop(1013);
    await settle(500);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("subscribes and unsubscribes as channels come and go, and forgets the offsets of those dropped", async () => {
    const { connection, listen } = setup();
    connection.setIdentity(ME);
    const stopUser = listen(userChannel);
    await settle();
    const socket = latest();
    socket.open();
    socket.receive({ type: "subscribed", channel: userChannel, offset: 1 });
    const stopTalk = listen(talkChannel);
    await settle();
    stopTalk();
    await settle();
    listen(talkChannel);
    // Twice at once, within the settle time: sent once.
    listen(talkChannel);
    await settle();
    expect(socket.sent).toEqual([
      { type: "subscribe", channel: userChannel },
      { type: "subscribe", channel: talkChannel },
      { type: "unsubscribe", channel: talkChannel },
      { type: "subscribe", channel: talkChannel },
    ]);
    stopUser();
    await settle();
    expect(socket.sent.at(-1)).toEqual({ type: "unsubscribe", channel: userChannel });
  });

  it("closes when nothing is wanted", async () => {
    const { connection, listen } = setup();
    connection.setIdentity(null);
    const stop = listen(workChannel);
    await settle();
    latest().open();
    stop();
    await settle();
    expect(latest().closed).toBe(true);
    expect(connection.status).toBe("idle");
  });

  it("carries at most fifty channels, a person's own before works", async () => {
    const { connection, listen } = setup();
    connection.setIdentity(ME);
    const works = Array.from({ length: 60 }, (_, i) => `artwork:0190c4f6-1111-7000-8000-${String(i).padStart(12, "0")}`);
    works.forEach(listen);
    listen(userChannel);
    await settle();
    latest().open();
    const channels = latest().sent.map((m) => m.channel);
    expect(channels).toHaveLength(MAX_CHANNELS);
    expect(channels[0]).toBe(userChannel);
    expect(channels.slice(1)).toEqual(works.slice(0, MAX_CHANNELS - 1));
  });

  it("tells a channel's listeners it was refused and does not ask again", async () => {
    const { connection, listen, heard } = setup();
    connection.setIdentity(ME);
    listen(talkChannel);
    await settle();
    latest().open();
    latest().receive({ type: "error", channel: talkChannel, status: 403, detail: `you may not listen to ${talkChannel}` });
    expect(heard).toEqual([{ type: "error", channel: talkChannel, status: 403, detail: `you may not listen to ${talkChannel}` }]);
    expect(connection.channels()).toEqual([]);
  });

  it("sends typing only on a conversation it carries", async () => {
    const { connection, listen } = setup();
    connection.setIdentity(ME);
    listen(talkChannel);
    expect(connection.typing(talkChannel)).toBe(false);
    await settle();
    latest().open();
    expect(connection.typing(talkChannel)).toBe(true);
    expect(connection.typing(`conversation:${WORK}`)).toBe(false);
    expect(latest().sent.at(-1)).toEqual({ type: "typing", channel: talkChannel });
  });

  it("starts a new connection when the person signs out, as a visitor", async () => {
    const { connection, listen } = setup();
    connection.setIdentity(ME);
    listen(userChannel);
    listen(workChannel);
    await settle();
    const signedIn = latest();
    signedIn.open();
    connection.setIdentity(null);
    expect(signedIn.closed).toBe(true);
    await settle();
    expect(latest()).not.toBe(signedIn);
    expect(latest().url).toBe("wss://atelier.test/api/realtime");
    latest().open();
    expect(latest().sent).toEqual([{ type: "subscribe", channel: workChannel }]);
  });
});

describe("the live connection over Server-Sent Events", () => {
  it("falls back when a WebSocket cannot open, sending the token and resuming from the last event id", async () => {
    const { connection, listen, calls, streams, heard } = setup();
    connection.setIdentity(ME);
    listen(userChannel);
    listen(workChannel);
    await settle();
    latest().drop(1006); // refused before it opened
    await settle(0);
    expect(connection.transport).toBe("sse");
    expect(calls).toHaveLength(1);
    expect(decodeURIComponent(calls[0]!.url)).toBe(`/api/realtime/events?channels=${userChannel},${workChannel}`);
    expect(calls[0]!.headers).toEqual({ Accept: "text/event-stream", Authorization: "Bearer token-1" });

    const first = streams[0]!;
    first.write(`id: ${userChannel}=2\ndata: ${JSON.stringify({ type: "subscribed", channel: userChannel, offset: 2 })}\n\n`);
    first.write(`id: ${userChannel}=2,${workChannel}=0\ndata: ${JSON.stringify({ type: "subscribed", channel: workChannel, offset: 0 })}\n\n`);
    first.write(`id: ${userChannel}=3,${workChannel}=0\ndata: ${JSON.stringify(event(userChannel, 3))}\n\n`);
    await settle(0);
    expect(heard.filter((m) => m.type === "event")).toHaveLength(1);

    // The server ends each stream after a while: the client resumes at once.
    vi.advanceTimersByTime(25_000);
    first.end();
    await settle(0);
    expect(calls).toHaveLength(2);
    expect(decodeURIComponent(calls[1]!.url)).toBe(`/api/realtime/events?channels=${userChannel}=3,${workChannel}=0`);
    expect(calls[1]!.headers["Last-Event-ID"]).toBe(`${userChannel}=3,${workChannel}=0`);

    // A repeat of what was delivered is dropped.
    streams[1]!.write(`id: ${userChannel}=3,${workChannel}=0\ndata: ${JSON.stringify(event(userChannel, 3))}\n\n`);
    streams[1]!.write(`id: ${userChannel}=4,${workChannel}=0\ndata: ${JSON.stringify(event(userChannel, 4))}\n\n`);
    await settle(0);
    expect(heard.filter((m) => m.type === "event").map((m) => (m as { offset: number }).offset)).toEqual([3, 4]);
  });

  it("uses Server-Sent Events where there is no WebSocket, and backs off from a stream that ends at once", async () => {
    const { connection, listen, calls, streams } = setup({ openSocket: undefined });
    connection.setIdentity(null);
    listen(workChannel);
    await settle();
    expect(connection.transport).toBe("sse");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers.Authorization).toBeUndefined();
    streams[0]!.end();
    await settle(0);
    expect(connection.status).toBe("waiting");
    await settle(999);
    expect(calls).toHaveLength(1);
    await settle(2);
    expect(calls).toHaveLength(2);
  });

  it("starts a new stream when the channels change", async () => {
    const { connection, listen, calls } = setup({ openSocket: undefined });
    connection.setIdentity(null);
    listen(workChannel);
    await settle();
    const other = `artwork:0190c4f6-1111-7000-8000-00000000000b`;
    listen(other);
    await settle();
    expect(calls).toHaveLength(2);
    expect(decodeURIComponent(calls[1]!.url)).toBe(`/api/realtime/events?channels=${workChannel},${other}`);
  });

  it("renews an expired token, and leaves out a channel the server refuses", async () => {
    const refresh = vi.fn(() => Promise.resolve(true));
    let answer = 0;
    const calls: string[] = [];
    const { connection, listen, heard, setToken } = setup({
      openSocket: undefined,
      refresh,
      fetch: (url) => {
        calls.push(decodeURIComponent(url));
        answer++;
        if (answer === 1) return Promise.resolve(new Response(JSON.stringify({ title: "Unauthorized", detail: "expired" }), { status: 401 }));
        if (answer === 2) {
          const refused = { title: "Forbidden", detail: `you may not listen to ${talkChannel}` };
          return Promise.resolve(new Response(JSON.stringify(refused), { status: 403 }));
        }
        return Promise.resolve(eventStream().response);
      },
    });
    connection.setIdentity(ME);
    listen(userChannel);
    listen(talkChannel);
    setToken("token-2");
    await settle();
    await settle(0);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(calls).toEqual([
      `/api/realtime/events?channels=${userChannel},${talkChannel}`,
      `/api/realtime/events?channels=${userChannel},${talkChannel}`,
      `/api/realtime/events?channels=${userChannel}`,
    ]);
    expect(heard).toEqual([{ type: "error", channel: talkChannel, status: 403, detail: `you may not listen to ${talkChannel}` }]);
  });
});
