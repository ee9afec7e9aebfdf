import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { sessionView } from "@/test/fixtures";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { VerifyEmail } from "./VerifyEmail";

let search = "";
vi.mock("next/navigation", () => ({ useSearchParams: () => new URLSearchParams(search) }));

const unverified = sessionView({ email_verified: false });

beforeEach(() => {
  search = "token=abc123";
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
});

describe("opening the link mailed to an address", () => {
  it("confirms the address with the link's token and reads the account back into the session", async () => {
    useSession.setState({ status: "signed-in", user: unverified.user, accessToken: "access" });
    route({
      "POST /api/auth/email-verification": new Response(null, { status: 204 }),
      "GET /api/me": json({ ...unverified.user, email_verified: true }),
    });
    renderWithQueries(<VerifyEmail />);
    expect(await screen.findByText("Your e-mail address is confirmed")).toBeInTheDocument();
    const sent = requests.find((r) => r.url.endsWith("/api/auth/email-verification"));
    expect(await sent?.json()).toEqual({ token: "abc123" });
    await waitFor(() => expect(useSession.getState().user?.email_verified).toBe(true));
  });

  it("waits for the session to settle before using the link", () => {
    useSession.setState({ status: "restoring", user: null, accessToken: null });
    route({ "POST /api/auth/email-verification": new Response(null, { status: 204 }) });
    renderWithQueries(<VerifyEmail />);
    expect(screen.getByRole("status")).toHaveTextContent("Confirming your address…");
    expect(requests).toHaveLength(0);
  });

  it("offers a new link when this one has expired", async () => {
    useSession.setState({ status: "signed-in", user: unverified.user, accessToken: "access" });
    route({
      "POST /api/auth/email-verification": problem(410, "Gone", "this link has expired or was already used"),
      "POST /api/me/email-verification": new Response(null, { status: 202 }),
    });
    renderWithQueries(<VerifyEmail />);
    expect(await screen.findByRole("alert")).toHaveTextContent("This link has expired");
    await userEvent.setup().click(screen.getByRole("button", { name: "Send a new link" }));
    expect(await screen.findByText("A new link is on its way.")).toBeInTheDocument();
  });

  it("asks a signed-out visitor with an expired link to sign in for a new one", async () => {
    route({ "POST /api/auth/email-verification": problem(410, "Gone", "this link has expired or was already used") });
    renderWithQueries(<VerifyEmail />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Sign in to have a new link sent.");
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("says so when the link lost its token", () => {
    search = "";
    renderWithQueries(<VerifyEmail />);
    expect(screen.getByText("This link is incomplete")).toBeInTheDocument();
    expect(requests).toHaveLength(0);
  });
});
