import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { sessionView } from "@/test/fixtures";
import { problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { ResetPassword } from "./ResetPassword";

let search = "";
vi.mock("next/navigation", () => ({ useSearchParams: () => new URLSearchParams(search) }));

beforeEach(() => {
  search = "token=reset-token";
});

async function choose(password: string) {
  const user = userEvent.setup();
  renderWithQueries(<ResetPassword />);
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Save the new password" }));
}

describe("choosing a new password from a reset link", () => {
  it("sends the token with the new password and ends this browser's session too", async () => {
    const session = sessionView();
    useSession.setState({ status: "signed-in", user: session.user, accessToken: "access" });
    route({ "POST /api/auth/password-reset/complete": new Response(null, { status: 204 }) });
    await choose("lighthouse keeper's blue umbrella");
    expect(await screen.findByRole("status")).toHaveTextContent("Your password is changed");
    expect(await requests[0]!.json()).toEqual({ token: "reset-token", new_password: "lighthouse keeper's blue umbrella" });
    expect(useSession.getState().status).toBe("signed-out");
    expect(screen.getByRole("link", { name: "Sign in" }).getAttribute("href")).toMatch(/^\/signin\/?$/);
  });

  it("keeps the form for a password that is too weak", async () => {
    route({
      "POST /api/auth/password-reset/complete": problem(422, "Invalid", "1 field(s) are invalid", [
        { field: "new_password", message: "is too easy to guess" },
      ]),
    });
    await choose("password");
    expect(await screen.findByText(/too easy to guess/i)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Save the new password" })).toBeEnabled();
  });

  it("sends an expired link's owner to ask for a new one", async () => {
    route({ "POST /api/auth/password-reset/complete": problem(410, "Gone", "this link has expired or was already used") });
    await choose("lighthouse keeper's blue umbrella");
    expect(await screen.findByRole("alert")).toHaveTextContent("This link has expired");
    expect(screen.getByRole("link", { name: "Ask for a new link" }).getAttribute("href")).toMatch(/^\/forgot-password\/?$/);
  });
});
