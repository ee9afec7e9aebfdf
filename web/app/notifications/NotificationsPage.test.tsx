import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { NotificationBell } from "@/components/NotificationBell";
import type { Schemas } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { fakeLive, renderWithLive } from "@/test/live";
import { json, requests, route } from "@/test/network";

import { NotificationsPage } from "./NotificationsPage";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const ME = "0190c4f6-9999-7000-8000-000000000001";
const WORK = "0190c4f6-1111-7000-8000-00000000000a";
const TALK = "0190c4f6-cccc-7000-8000-000000000001";
const collector = { id: ME, email: "iris@example.com", display_name: "Iris", role: "collector", artist_id: null, email_verified: true, created_at: "2026-11-01T00:00:00Z" } as const;

function notification(id: string, overrides: Partial<Schemas["Notification"]> = {}): Schemas["Notification"] {
  return {
    id: `0190c4f6-0000-7000-8000-${id.padStart(12, "0")}`,
    kind: "saved_sold",
    data: { artwork_id: WORK, artwork_title: "Wave at Dawn" },
    created_at: "2026-12-03T10:00:00Z",
    read_at: null,
    ...overrides,
  };
}

const preferences: Schemas["Preference"][] = [
  { kind: "message", in_app: true, email: true },
  { kind: "saved_sold", in_app: true, email: false },
  { kind: "saved_reserved", in_app: false, email: false },
];

beforeEach(() => {
  useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
  window.history.pushState({}, "", "/notifications/");
});

describe("the notification bell", () => {
  it("counts unread notifications live, and reads the count again when told to reload", async () => {
    let count = 2;
    route({ "GET /api/me/notifications/unread-count": () => json({ unread: count }) });
    const live = fakeLive();
    renderWithLive(<NotificationBell userId={ME} />, live);
    const bell = await screen.findByRole("link", { name: "Notifications, 2 unread" });
    expect(bell).toHaveAttribute("href", expect.stringMatching(/^\/notifications\/?$/));
    expect(live.channels()).toEqual([`user:${ME}`]);

    live.event(`user:${ME}`, "notification", notification("9"));
    await waitFor(() => expect(bell).toHaveAccessibleName("Notifications, 3 unread"));
    expect(bell).toHaveTextContent("3");

    count = 0;
    live.send({ type: "reload", channel: `user:${ME}`, offset: 40 });
    await waitFor(() => expect(bell).toHaveAccessibleName("Notifications"));
  });
});

describe("the notifications page", () => {
  it("lists notifications as sentences with links, and marks them read", async () => {
    const message = notification("2", {
      kind: "message",
      data: { conversation_id: TALK, artwork_title: "Wave at Dawn", from: "Hana Okabe", excerpt: "Yes, it ships framed." },
    });
    const old = notification("1", { kind: "order_update", data: { status: "shipped" }, read_at: "2026-12-03T11:00:00Z" });
    route({
      "GET /api/me/notifications": json({ items: [message, old], next_cursor: null, unread: 1 }),
      "GET /api/me/notifications/unread-count": json({ unread: 1 }),
      "GET /api/me/notification-preferences": json(preferences),
      [`POST /api/me/notifications/${message.id}/read`]: json({ unread: 0 }),
    });
    const live = fakeLive();
    renderWithLive(<NotificationsPage />, live);

    const list = await screen.findByRole("list", { name: "Your notifications" });
    const rows = within(list).getAllByRole("listitem");
    expect(rows[0]).toHaveTextContent("Unread: Hana Okabe wrote about “Wave at Dawn”: “Yes, it ships framed.”");
    expect(within(rows[0]!).getByRole("link")).toHaveAttribute("href", expect.stringMatching(new RegExp(`^/messages/?\\?c=${TALK}$`)));
    expect(within(rows[1]!).getByRole("link", { name: "Your order has shipped." })).toHaveAttribute("href", expect.stringMatching(/^\/orders\/?$/));
    expect(within(rows[1]!).queryByRole("button", { name: "Mark as read" })).not.toBeInTheDocument();
    expect(screen.getByText("1 unread")).toBeInTheDocument();

    await userEvent.click(within(rows[0]!).getByRole("button", { name: "Mark as read" }));
    expect(await screen.findByText("You are all caught up.")).toBeInTheDocument();
    expect(within(rows[0]!).queryByRole("button", { name: "Mark as read" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Mark all as read" })).toBeDisabled();
  });

  it("adds notifications as they arrive, once each, and marks them all read", async () => {
    route({
      "GET /api/me/notifications": json({ items: [], next_cursor: null, unread: 0 }),
      "GET /api/me/notifications/unread-count": json({ unread: 0 }),
      "GET /api/me/notification-preferences": json(preferences),
      "POST /api/me/notifications/read": json({ unread: 0 }),
    });
    const live = fakeLive();
    renderWithLive(
      <>
        <NotificationBell userId={ME} />
        <NotificationsPage />
      </>,
      live,
    );
    expect(await screen.findByRole("heading", { name: "Nothing yet" })).toBeInTheDocument();
    const sold = notification("7");
    live.event(`user:${ME}`, "notification", sold);
    live.event(`user:${ME}`, "notification", sold);
    const list = await screen.findByRole("list", { name: "Your notifications" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(1);
    expect(within(list).getByRole("link", { name: "“Wave at Dawn”, which you saved, has sold." })).toHaveAttribute("href", `/artworks/${WORK}`);
    expect(screen.getByRole("link", { name: "Notifications, 2 unread" })).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Mark all as read" }));
    await waitFor(() => expect(screen.getByRole("link", { name: "Notifications" })).toBeInTheDocument());
    expect(within(list).queryByText("Unread:", { exact: false })).not.toBeInTheDocument();
  });

  it("turns a kind of notification off in the app, and another on by e-mail", async () => {
    const sent: unknown[] = [];
    let current = preferences;
    route({
      "GET /api/me/notifications": json({ items: [], next_cursor: null, unread: 0 }),
      "GET /api/me/notifications/unread-count": json({ unread: 0 }),
      "GET /api/me/notification-preferences": json(preferences),
      "PUT /api/me/notification-preferences": async (request) => {
        const [change] = (await request.json()) as Schemas["PreferenceChange"][];
        sent.push(change);
        current = current.map((p) =>
          p.kind === change!.kind ? { ...p, in_app: change!.in_app ?? p.in_app, email: change!.email ?? p.email } : p,
        );
        return json(current);
      },
    });
    renderWithLive(<NotificationsPage />, fakeLive());
    const inApp = await screen.findByRole("checkbox", { name: "New messages in your conversations: in the app" });
    expect(inApp).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "New messages in your conversations: by e-mail" })).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "A work you saved is reserved: in the app" })).not.toBeChecked();
    const soldByMail = screen.getByRole("checkbox", { name: "A work you saved is sold: by e-mail" });
    expect(soldByMail).not.toBeChecked();
    // A collector is not offered an artist's kinds.
    expect(screen.queryByRole("checkbox", { name: "Your sales: in the app" })).not.toBeInTheDocument();

    await userEvent.click(inApp);
    expect(await screen.findByText("Saved.")).toBeInTheDocument();
    expect(inApp).not.toBeChecked();
    await userEvent.click(soldByMail);
    await waitFor(() => expect(soldByMail).toBeChecked());
    expect(sent).toEqual([
      { kind: "message", in_app: false },
      { kind: "saved_sold", email: true },
    ]);
    expect(requests.filter((r) => r.method === "PUT")).toHaveLength(2);
  });
});
