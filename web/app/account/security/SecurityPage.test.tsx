import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import type { Schemas } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { sessionView } from "@/test/fixtures";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { SecurityPage } from "./SecurityPage";

const { user } = sessionView({ email: "ann@example.com" });

const sessions: Schemas["SessionInfo"][] = [
  {
    id: "0190c4f6-5555-7000-8000-000000000001",
    device: "Firefox on Linux",
    ip: "203.0.113.9",
    created_at: "2026-12-01T10:00:00Z",
    last_used_at: "2026-12-04T10:00:00Z",
    current: true,
  },
  {
    id: "0190c4f6-5555-7000-8000-000000000002",
    device: "Safari on iPhone",
    ip: null,
    created_at: "2026-11-20T10:00:00Z",
    last_used_at: "2026-11-21T10:00:00Z",
    current: false,
  },
];

beforeEach(() => {
  useSession.setState({ status: "signed-in", user, accessToken: "access" });
});

describe("account and security", () => {
  it("lists where the account is signed in and signs one session or all the others out", async () => {
    let live = sessions;
    route({
      "GET /api/me/sessions": () => json(live),
      "DELETE /api/me/sessions/0190c4f6-5555-7000-8000-000000000002": () => {
        live = [sessions[0]!];
        return new Response(null, { status: 204 });
      },
      "POST /api/me/sessions/sign-out-others": json({ signed_out: 0 }),
    });
    renderWithQueries(<SecurityPage />);
    const list = await screen.findByRole("list", { name: "Sessions" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(2);
    expect(within(list).getByText("This device")).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole("button", { name: "Sign out Safari on iPhone" }));
    await screen.findByRole("button", { name: "Sign out this device" });
    expect(within(screen.getByRole("list", { name: "Sessions" })).getAllByRole("listitem")).toHaveLength(1);
    expect(requests.some((r) => r.method === "DELETE")).toBe(true);
  });

  it("moves the account to a new address only once its link is opened", async () => {
    route({ "GET /api/me/sessions": json(sessions), "PUT /api/me/email": new Response(null, { status: 202 }) });
    renderWithQueries(<SecurityPage />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Email"), "ann@new.example");
    await user.type(screen.getAllByLabelText("Current password")[0]!, "violet-harbour-mosaic-42");
    await user.click(screen.getByRole("button", { name: "Change address" }));
    expect(await screen.findByText(/We sent a link to ann@new.example/)).toBeInTheDocument();
    const sent = requests.find((r) => r.method === "PUT");
    expect(await sent!.json()).toEqual({ email: "ann@new.example", current_password: "violet-harbour-mosaic-42" });
  });

  it("shows a wrong current password at its field", async () => {
    route({
      "GET /api/me/sessions": json(sessions),
      "PATCH /api/me": problem(422, "Invalid", "1 field(s) are invalid", [
        { field: "current_password", message: "must be your current password" },
      ]),
    });
    renderWithQueries(<SecurityPage />);
    const user = userEvent.setup();
    const password = screen.getByRole("region", { name: "Password" });
    await user.type(within(password).getByLabelText("Current password"), "wrong");
    await user.type(within(password).getByLabelText("Password"), "lighthouse keeper's blue umbrella");
    await user.click(screen.getByRole("button", { name: "Change password" }));
    expect(await within(password).findByText(/must be your current password/i)).toBeInTheDocument();
  });
});

describe("the authenticator app", () => {
  it("is set up from a QR code and a first code, and then shows its recovery codes once", async () => {
    let on = false;
    route({
      "GET /api/me/sessions": json(sessions),
      "GET /api/me/mfa": () => json({ totp: on, recovery_codes_left: on ? 10 : 0 }),
      "POST /api/me/mfa/totp": json(
        { secret: "JBSWY3DPEHPK3PXP", otpauth_url: "otpauth://totp/Atelier:ann%40example.com?secret=JBSWY3DPEHPK3PXP", qr_code: "data:" },
        201,
      ),
      "POST /api/me/mfa/totp/confirm": () => {
        on = true;
        return json({ codes: ["abcde-fghij", "klmno-pqrst"] });
      },
    });
    renderWithQueries(<SecurityPage />);
    const user = userEvent.setup();
    const section = await screen.findByRole("region", { name: "Authenticator app" });
    await user.type(await within(section).findByLabelText("Current password"), "violet-harbour-mosaic-42");
    await user.click(within(section).getByRole("button", { name: "Set up an authenticator app" }));
    expect(await within(section).findByTitle("QR code for your authenticator app")).toBeInTheDocument();
    expect(section).toHaveTextContent("Key: JBSWY3DPEHPK3PXP");
    await user.type(within(section).getByLabelText("Code from the app"), "123456");
    await user.click(within(section).getByRole("button", { name: "Turn on" }));
    const list = await within(section).findByRole("list", { name: "Recovery codes" });
    expect(within(list).getAllByRole("listitem").map((item) => item.textContent)).toEqual(["abcde-fghij", "klmno-pqrst"]);
    expect(await within(section).findByText(/On: signing in asks for a code/)).toHaveTextContent("10 recovery codes left.");
    const confirm = requests.find((r) => r.url.endsWith("/api/me/mfa/totp/confirm"));
    expect(await confirm!.json()).toEqual({ code: "123456" });
  });

  it("is turned off with the password and a code", async () => {
    let on = true;
    route({
      "GET /api/me/sessions": json(sessions),
      "GET /api/me/mfa": () => json({ totp: on, recovery_codes_left: on ? 9 : 0 }),
      "DELETE /api/me/mfa/totp": () => {
        on = false;
        return new Response(null, { status: 204 });
      },
    });
    renderWithQueries(<SecurityPage />);
    const user = userEvent.setup();
    const section = await screen.findByRole("region", { name: "Authenticator app" });
    expect(await within(section).findByText(/9 recovery codes left/)).toBeInTheDocument();
    await user.type(within(section).getByLabelText("Current password"), "violet-harbour-mosaic-42");
    await user.type(within(section).getByLabelText("Code from the app, or a recovery code"), "abcde-fghij");
    await user.click(within(section).getByRole("button", { name: "Turn off" }));
    expect(await within(section).findByRole("button", { name: "Set up an authenticator app" })).toBeInTheDocument();
    const stop = requests.find((r) => r.method === "DELETE");
    expect(await stop!.json()).toEqual({ current_password: "violet-harbour-mosaic-42", code: "abcde-fghij" });
  });
});
