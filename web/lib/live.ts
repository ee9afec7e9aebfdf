/**
 * The live connection: one per tab, shared by every part of the page that
 * wants to hear about something as it happens (the notification bell, an
 * open conversation, the availability of the works on screen).
 *
 * It speaks the API's live protocol (the realtime section of the README):
 * a WebSocket to `/api/realtime` where the host upgrades one, or to the
 * separate WebSocket API the site was built for (AWS), authenticated by a
 * single-use ticket, and Server-Sent Events from `/api/realtime/events`
 * otherwise (Vercel), read with `fetch` so that the access token travels in
 * a header rather than the address. Either way the client keeps the last
 * offset it saw on each channel, asks for what came after it whenever it
 * reconnects, and drops anything it has already seen, so every event
 * reaches the page exactly once.
 */

/** Whatever arrives on a channel, as the server sends it. */
export type LiveEvent = { type: "event"; channel: string; offset: number; kind: string; data: unknown; at: string };
export type LiveMessage =
  | LiveEvent
  /** Replay is done and live events follow; `offset` is the channel's latest. */
  | { type: "subscribed"; channel: string; offset: number }
  /** The client was further behind than the server's history: refetch over REST, then continue from `offset`. */
  | { type: "reload"; channel: string; offset: number }
  | { type: "typing"; channel: string; user_id: string }
  | { type: "error"; channel?: string | null; status: number; detail: string };

export type LiveListener = (message: LiveMessage) => void;

/** What the page needs of the connection; tests give components a fake one. */
export interface LiveHub {
  /** Listens to a channel until the returned function is called. */
  subscribe(channel: string, listener: LiveListener): () => void;
  /** Tells the other side of a conversation that this person is writing; false when the transport cannot. */
  typing(channel: string): boolean;
}

/** At most this many channels per connection, as the server allows. */
export const MAX_CHANNELS = 50;
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;
/** A Server-Sent Events stream that lived this long ended normally (the server closes each after ~25 s). */
const HEALTHY_STREAM_MS = 5_000;
/** Channel changes within this long are sent as one (a grid subscribing to its works card by card). */
const SETTLE_MS = 50;
/** WebSocket close code: the client read too slowly; reconnect and resume. */
export const TRY_AGAIN_LATER = 1013;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const isOffset = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0;

/** One protocol message from its JSON text, or null for anything else. */
export function parseMessage(text: string): LiveMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value) || typeof value.type !== "string") return null;
  const { channel } = value;
  switch (value.type) {
    case "event":
      return typeof channel === "string" && isOffset(value.offset) && typeof value.kind === "string"
        ? { type: "event", channel, offset: value.offset, kind: value.kind, data: value.data, at: typeof value.at === "string" ? value.at : "" }
        : null;
    case "subscribed":
    case "reload":
      return typeof channel === "string" && isOffset(value.offset) ? { type: value.type, channel, offset: value.offset } : null;
    case "typing":
      return typeof channel === "string" && typeof value.user_id === "string"
        ? { type: "typing", channel, user_id: value.user_id }
        : null;
    case "error":
      return {
        type: "error",
        channel: typeof channel === "string" ? channel : null,
        status: typeof value.status === "number" ? value.status : 0,
        detail: typeof value.detail === "string" ? value.detail : "",
      };
    default:
      return null;
  }
}

/**
 * Where the client stands on each channel, and the filter that keeps any
 * (channel, offset) from reaching the page twice: a replay after a reconnect
 * overlaps what was already delivered live.
 */
export class Offsets {
  private readonly last = new Map<string, number>();

  get(channel: string): number | undefined {
    return this.last.get(channel);
  }

  /** Records what the message says of its channel; false when it is an event already seen. */
  accept(message: LiveMessage): boolean {
    switch (message.type) {
      case "event": {
        const last = this.last.get(message.channel);
        if (last !== undefined && message.offset <= last) return false;
        this.last.set(message.channel, message.offset);
        return true;
      }
      case "subscribed": {
        const last = this.last.get(message.channel);
        if (last === undefined || message.offset > last) this.last.set(message.channel, message.offset);
        return true;
      }
      case "reload":
        // The server's history no longer reaches back to where the client
        // was (or the channel began again): its latest is the new start.
        this.last.set(message.channel, message.offset);
        return true;
      default:
        return true;
    }
  }

  forget(channel: string): void {
    this.last.delete(channel);
  }

  /** `channel` or `channel=offset`, as subscriptions and stream ids name positions. */
  position(channel: string): string {
    const offset = this.last.get(channel);
    return offset === undefined ? channel : `${channel}=${offset}`;
  }
}

/**
 * How long to wait before reconnecting after `attempt` failures in a row:
 * doubling from a second up to thirty, each wait drawn from its upper half,
 * so that the tabs a server restart disconnected do not all return at once.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** One Server-Sent Event: its `data` lines joined, and the stream's last event id when it was dispatched. */
export type SseMessage = { id: string; event: string; data: string };

/**
 * The `text/event-stream` format, fed in chunks as they arrive: lines end in
 * CRLF, LF or CR (a CR at a chunk's end may be half of a CRLF), comments
 * start with a colon, several `data` lines join with newlines, and an event
 * is dispatched at the blank line that ends it. An `id` holds for every
 * later event until another replaces it.
 */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private hasData = false;
  private event = "";
  /** The last event id, as the EventSource specification keeps it. */
  lastEventId = "";

  constructor(private readonly onMessage: (message: SseMessage) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== "\n" && c !== "\r") continue;
      if (c === "\r" && i === this.buffer.length - 1) break; // wait: the next chunk may start with its LF
      this.line(this.buffer.slice(start, i));
      if (c === "\r" && this.buffer[i + 1] === "\n") i++;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** The stream ended: an event without its blank line is incomplete, and dropped. */
  end(): void {
    if (this.buffer.endsWith("\r")) this.line(this.buffer.slice(0, -1));
    this.buffer = "";
    this.data = [];
    this.hasData = false;
    this.event = "";
  }

  private line(line: string): void {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.data.push(value);
        this.hasData = true;
        break;
      case "event":
        this.event = value;
        break;
      case "id":
        if (!value.includes("\u0000")) this.lastEventId = value;
        break;
      default:
        // `retry` and unknown fields: the connection decides its own waits.
        break;
    }
  }

  private dispatch(): void {
    const data = this.data.join("\n");
    const had = this.hasData;
    this.data = [];
    this.hasData = false;
    const event = this.event || "message";
    this.event = "";
    if (!had) return;
    this.onMessage({ id: this.lastEventId, event, data });
  }
}

/** The part of a WebSocket the connection uses (the browser's, or a test's). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type LiveOptions = {
  /** The page's origin, `http(s)://host`. */
  origin: () => string;
  /**
   * Where the WebSocket connects, `ws(s)://…` without its ticket, when that is
   * not the page's own `/api/realtime`: API Gateway holds the sockets on AWS.
   */
  socketUrl?: () => string;
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** Makes a WebSocket; absent where there is none, which means Server-Sent Events. */
  openSocket?: (url: string) => SocketLike;
  /** The access token, for Server-Sent Events. */
  token: () => string | null;
  /** A single-use ticket for a signed-in WebSocket (`POST /api/realtime/ticket`). */
  ticket: () => Promise<string>;
  /** Renews an expired access token; false when the session is over. */
  refresh: () => Promise<boolean>;
  random?: () => number;
  now?: () => number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
};

export type Transport = "websocket" | "sse";
export type LiveStatus = "idle" | "connecting" | "open" | "waiting";

const PRIORITY: Record<string, number> = { user: 0, conversation: 1, artwork: 2 };
const prefixOf = (channel: string) => channel.slice(0, channel.indexOf(":"));
/** Anyone may listen to a work; the other channels need an account. */
export const isPublicChannel = (channel: string) => prefixOf(channel) === "artwork";

/**
 * The tab's live connection. Channels are listened to through
 * {@link subscribe}; the connection opens while at least one is wanted and
 * the session is known, carries at most {@link MAX_CHANNELS} of them (a
 * person's own channel and conversations before works), and reconnects with
 * backoff when it drops, resuming every channel where it stood.
 */
export class LiveConnection implements LiveHub {
  private readonly listeners = new Map<string, Set<LiveListener>>();
  private readonly offsets = new Offsets();
  /** Channels the server refused; asked for again only once every listener has gone and one returns. */
  private readonly refused = new Set<string>();
  /** Channels the open WebSocket has been asked for, or the running stream carries. */
  private carried = new Set<string>();
  /** The signed-in user's id; null for a visitor; undefined while the session is being restored. */
  private identity: string | null | undefined = undefined;
  private transportKind: Transport;
  /** Whether a WebSocket has opened in this tab: then a later failure to open is an outage, not a host without them. */
  private socketWorked = false;
  private socket: SocketLike | null = null;
  private stream: AbortController | null = null;
  private lastEventId = "";
  private generation = 0;
  private attempt = 0;
  private timer: unknown = null;
  private settleTimer: unknown = null;
  private state: LiveStatus = "idle";
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();

  private readonly random: () => number;
  private readonly now: () => number;
  private readonly setTimer: (run: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly options: LiveOptions) {
    this.transportKind = options.openSocket ? "websocket" : "sse";
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  get transport(): Transport {
    return this.transportKind;
  }

  get status(): LiveStatus {
    return this.state;
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** The channels the connection carries (or will, once open), in priority order. */
  channels(): string[] {
    if (this.identity === undefined) return [];
    const wanted = [...this.listeners.keys()].filter(
      (channel) => !this.refused.has(channel) && (this.identity !== null || isPublicChannel(channel)),
    );
    // A stable sort: within a kind, the order they were asked for.
    wanted.sort((a, b) => (PRIORITY[prefixOf(a)] ?? 3) - (PRIORITY[prefixOf(b)] ?? 3));
    return wanted.slice(0, MAX_CHANNELS);
  }

  subscribe(channel: string, listener: LiveListener): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      this.refused.delete(channel);
    }
    set.add(listener);
    this.changed();
    return () => {
      const current = this.listeners.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(channel);
      // Whoever listens again fetches the channel's state afresh and needs
      // only what comes after: no replay of what nobody was listening for.
      this.offsets.forget(channel);
      this.changed();
    };
  }

  typing(channel: string): boolean {
    if (this.socket === null || this.socket.readyState !== 1 || !this.carried.has(channel)) return false;
    this.socket.send(JSON.stringify({ type: "typing", channel }));
    return true;
  }

  /**
   * Who is signed in: the connection opens once this is known, and starts
   * afresh under the new identity when it changes (signing in, signing out).
   * A renewed token for the same person needs no new connection: the next
   * one uses it, and one waiting to retry goes now.
   */
  setIdentity(userId: string | null | undefined): void {
    if (userId === this.identity) return;
    this.identity = userId;
    this.refused.clear();
    this.teardown();
    this.attempt = 0;
    this.changed(true);
  }

  /** Reconnects at once if the connection is waiting to retry (the browser came back online, a token was renewed). */
  retryNow(): void {
    if (this.state !== "waiting") return;
    this.clearRetry();
    this.attempt = 0;
    this.connect();
  }

  /** Closes everything; a later {@link setIdentity} starts again. */
  close(): void {
    this.identity = undefined;
    this.teardown();
    if (this.settleTimer !== null) this.clearTimer(this.settleTimer);
    this.settleTimer = null;
    this.setState("idle");
  }

  private setState(state: LiveStatus) {
    if (state === this.state) return;
    this.state = state;
    for (const listener of [...this.statusListeners]) listener(state);
  }

  private clearRetry() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  /** Drops the transport without scheduling anything. */
  private teardown() {
    this.generation++;
    this.clearRetry();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close(1000, "done");
      } catch {
        // Closing a socket that never opened can throw; it is gone either way.
      }
    }
    this.stream?.abort();
    this.stream = null;
    this.carried = new Set();
  }

  /** The wanted channels changed: open, adjust or close the transport. */
  private changed(now = false) {
    if (now) {
      this.settle();
      return;
    }
    if (this.settleTimer !== null) return;
    this.settleTimer = this.setTimer(() => this.settle(), SETTLE_MS);
  }

  private settle() {
    if (this.settleTimer !== null) this.clearTimer(this.settleTimer);
    this.settleTimer = null;
    const wanted = this.channels();
    if (wanted.length === 0) {
      this.teardown();
      this.setState("idle");
      return;
    }
    if (this.state === "waiting") return; // the retry will carry them
    if (this.socket === null && this.stream === null) {
      // A WebSocket waiting for its ticket subscribes to whatever is wanted when it opens.
      if (this.state === "connecting") return;
      this.connect();
      return;
    }
    if (this.socket !== null) {
      if (this.socket.readyState !== 1) return; // sent all at once when it opens
      const next = new Set(wanted);
      for (const channel of this.carried) {
        if (!next.has(channel)) this.send({ type: "unsubscribe", channel });
      }
      for (const channel of wanted) {
        if (!this.carried.has(channel)) this.sendSubscribe(channel);
      }
      this.carried = next;
      return;
    }
    // A stream carries a fixed list: a new list is a new stream, resumed.
    if (!sameSet(this.carried, wanted)) {
      this.teardown();
      this.connect();
    }
  }

  private send(message: object) {
    this.socket?.send(JSON.stringify(message));
  }

  private sendSubscribe(channel: string) {
    const since = this.offsets.get(channel);
    this.send(since === undefined ? { type: "subscribe", channel } : { type: "subscribe", channel, since });
  }

  private connect() {
    this.clearRetry();
    if (this.channels().length === 0) {
      this.setState("idle");
      return;
    }
    this.setState("connecting");
    if (this.transportKind === "websocket") void this.openSocket(++this.generation);
    else void this.openStream(++this.generation);
  }

  private retry(delay = backoffDelay(this.attempt++, this.random)) {
    this.teardown();
    if (this.channels().length === 0) {
      this.setState("idle");
      return;
    }
    this.setState("waiting");
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private async openSocket(generation: number) {
    let url = this.options.socketUrl?.() ?? `${this.options.origin().replace(/^http/, "ws")}/api/realtime`;
    if (this.identity) {
      try {
        url += `?ticket=${encodeURIComponent(await this.options.ticket())}`;
      } catch {
        if (generation === this.generation) this.retry();
        return;
      }
      if (generation !== this.generation) return;
    }
    let socket: SocketLike;
    try {
      socket = this.options.openSocket!(url);
    } catch {
      this.fallBack();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      if (generation !== this.generation) return;
      opened = true;
      this.socketWorked = true;
      this.setState("open");
      const wanted = this.channels();
      this.carried = new Set(wanted);
      for (const channel of wanted) this.sendSubscribe(channel);
    };
    socket.onmessage = (event) => {
      if (generation === this.generation && typeof event.data === "string") this.receive(event.data);
    };
    socket.onclose = (event) => {
      if (generation !== this.generation) return;
      this.socket = null;
      if (!opened && !this.socketWorked) {
        // The host upgrades no WebSocket (or something between refuses it):
        // Server-Sent Events work everywhere the API does.
        this.fallBack();
      } else if (event.code === TRY_AGAIN_LATER) {
        this.retry(backoffDelay(0, this.random));
      } else {
        this.retry();
      }
    };
    socket.onerror = () => undefined; // a close follows, with what to do
  }

  private fallBack() {
    this.transportKind = "sse";
    this.teardown();
    this.connect();
  }

  private async openStream(generation: number) {
    const channels = this.channels();
    const controller = new AbortController();
    this.stream = controller;
    this.carried = new Set(channels);
    const list = channels.map((channel) => this.offsets.position(channel)).join(",");
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    const token = this.identity ? this.options.token() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (this.lastEventId) headers["Last-Event-ID"] = this.lastEventId;
    const started = this.now();
    let received = false;
    try {
      const response = await this.options.fetch(`/api/realtime/events?channels=${encodeURIComponent(list)}`, {
        headers,
        signal: controller.signal,
        cache: "no-store",
        credentials: "same-origin",
      });
      if (generation !== this.generation) return;
      if (!response.ok || !response.body) {
        await this.streamRefused(generation, response, channels);
        return;
      }
      this.setState("open");
      const parser = new SseParser((message) => {
        if (generation !== this.generation) return;
        received = true;
        if (message.id) this.lastEventId = message.id;
        this.receive(message.data);
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (generation !== this.generation) {
          void reader.cancel().catch(() => undefined);
          return;
        }
        if (done) break;
        parser.push(value);
      }
      parser.end();
    } catch {
      if (generation !== this.generation) return;
      this.retry();
      return;
    }
    if (generation !== this.generation) return;
    // The server ends each stream before the host's time limit: resume at
    // once. One that ended straight away is a failure to back off from.
    if (received || this.now() - started >= HEALTHY_STREAM_MS) {
      this.attempt = 0;
      this.stream = null;
      this.connect();
    } else {
      this.retry();
    }
  }

  private async streamRefused(generation: number, response: Response, channels: string[]) {
    if (response.status === 401 && this.identity) {
      // An expired access token: renew it and go again.
      const renewed = await this.options.refresh().catch(() => false);
      if (generation !== this.generation) return;
      if (renewed) {
        this.stream = null;
        this.connect();
      } else {
        this.retry();
      }
      return;
    }
    if ([400, 401, 403, 404, 422].includes(response.status)) {
      // One channel refused fails the whole stream: leave it out and go on.
      const detail = await response
        .json()
        .then((body: unknown) => (isRecord(body) && typeof body.detail === "string" ? body.detail : ""))
        .catch(() => "");
      if (generation !== this.generation) return;
      const channel = channels.find((c) => detail.includes(c));
      if (channel) {
        this.refuse({ type: "error", channel, status: response.status, detail });
        this.stream = null;
        this.connect();
        return;
      }
    }
    this.retry();
  }

  private refuse(message: Extract<LiveMessage, { type: "error" }>) {
    if (!message.channel) return;
    this.refused.add(message.channel);
    this.carried.delete(message.channel);
    this.deliver(message.channel, message);
  }

  private receive(text: string) {
    const message = parseMessage(text);
    if (!message) return;
    if (message.type === "error") {
      // A channel the server will not carry (not allowed, not found, too
      // many): told once, not asked for again. Server faults may pass.
      if (message.channel && message.status < 500) this.refuse(message);
      else if (message.channel) this.deliver(message.channel, message);
      return;
    }
    if (!this.offsets.accept(message)) return;
    if (message.type === "subscribed") this.attempt = 0;
    this.deliver(message.channel, message);
  }

  private deliver(channel: string, message: LiveMessage) {
    const set = this.listeners.get(channel);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(message);
      } catch (error) {
        // One listener's failure must not keep the message from the others.
        console.error(error);
      }
    }
  }
}

function sameSet(a: Set<string>, b: string[]): boolean {
  return a.size === b.length && b.every((item) => a.has(item));
}
