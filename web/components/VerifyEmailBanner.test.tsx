import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { sessionView } from "@/test/fixtures";
import { problem, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { VerifyEmailBanner } from "./VerifyEmailBanner";

let pathname = "/";
vi.mock("next/navigation", () => ({ usePathname: () => pathname }));

function signIn(verified: boolean) {
  const { user } = sessionView({ email: "ann@example.com", email_verified: verified });
  useSession.setState({ status: "signed-in", user, accessToken: "access" });
}

beforeEach(() => {
  pathname = "/";
});

describe("the reminder to confirm an address", () => {
  it("names the address and sends the link again", async () => {
    signIn(false);
    route({ "POST /api/me/email-verification": new Response(null, { status: 202 }) });
    renderWithQueries(<VerifyEmailBanner />);
    const banner = screen.getByRole("region", { name: "Confirm your e-mail address" });
    expect(banner).toHaveTextContent("we sent a link to ann@example.com");
    await userEvent.setup().click(screen.getByRole("button", { name: "Send the link again" }));
    expect(await screen.findByRole("status")).toHaveTextContent("A new link is on its way.");
  });

  it("says why no link was sent", async () => {
    signIn(false);
    route({ "POST /api/me/email-verification": problem(429, "Too many requests", "try again in 3600 seconds") });
    renderWithQueries(<VerifyEmailBanner />);
    await userEvent.setup().click(screen.getByRole("button", { name: "Send the link again" }));
    expect(await screen.findByRole("alert")).toBeInTheDocument();
  });

  it("is not shown to a confirmed account, to visitors, or on the confirmation page", () => {
    signIn(true);
    const { unmount } = renderWithQueries(<VerifyEmailBanner />);
    expect(screen.queryByRole("region")).toBeNull();
    unmount();
    useSession.setState({ status: "signed-out", user: null, accessToken: null });
    renderWithQueries(<VerifyEmailBanner />).unmount();
    expect(screen.queryByRole("region")).toBeNull();
    signIn(false);
    pathname = "/verify-email/";
    renderWithQueries(<VerifyEmailBanner />);
    expect(screen.queryByRole("region")).toBeNull();
  });
});
