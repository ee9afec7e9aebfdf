import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { sessionView } from "@/test/fixtures";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { SignInForm } from "./SignInForm";

const push = vi.fn();
let search = "";
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push }),
  useSearchParams: () => new URLSearchParams(search),
}));

const session = sessionView({ email: "collector@example.com", display_name: "Sam Reed" });

beforeEach(() => {
  push.mockReset();
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
});

async function signIn() {
  const user = userEvent.setup();
  renderWithQueries(<SignInForm />);
  await user.type(screen.getByLabelText("Email"), "collector@example.com");
  await user.type(screen.getByLabelText("Password"), "violet-harbour-mosaic-42");
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("signing in", () => {
  it("goes to the page that asked for it", async () => {
    search = "next=%2Fcollection%2F";
    route({ "POST /api/auth/login": json(session) });
    await signIn();
    await waitFor(() => expect(push).toHaveBeenCalledWith("/collection/"));
    expect(useSession.getState().status).toBe("signed-in");
  });

  it("never follows a next that leaves the site", async () => {
    search = "next=%2F%2Fevil.example%2F";
    route({ "POST /api/auth/login": json(session) });
    await signIn();
    await waitFor(() => expect(push).toHaveBeenCalledWith("/"));
  });

  it("says when the e-mail or password is wrong", async () => {
    search = "";
    route({ "POST /api/auth/login": problem(401, "Unauthorized", "the e-mail or password is wrong") });
    await signIn();
    expect(await screen.findByRole("alert")).toHaveTextContent("The e-mail or password is wrong.");
    expect(push).not.toHaveBeenCalled();
  });
});

describe("signing in with a second factor", () => {
  it("asks for the app's code after the password and signs in with both", async () => {
    search = "";
    route({
      "POST /api/auth/login": json({ mfa_required: true, mfa_token: "step-token" }, 202),
      "POST /api/auth/login/mfa": json(session),
    });
    await signIn();
    const code = await screen.findByLabelText("Code");
    expect(useSession.getState().status).toBe("signed-out");
    await userEvent.setup().type(code, "123456");
    await userEvent.setup().click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(push).toHaveBeenCalledWith("/"));
    expect(useSession.getState().status).toBe("signed-in");
    const second = requests.find((r) => r.url.endsWith("/api/auth/login/mfa"));
    expect(await second!.json()).toEqual({ mfa_token: "step-token", code: "123456" });
  });

  it("goes back to the password when the step has expired", async () => {
    search = "";
    route({
      "POST /api/auth/login": json({ mfa_required: true, mfa_token: "step-token" }, 202),
      "POST /api/auth/login/mfa": problem(401, "Unauthorized", "this sign-in has expired; enter your password again"),
    });
    await signIn();
    await userEvent.setup().type(await screen.findByLabelText("Code"), "123456");
    await userEvent.setup().click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByLabelText("Password")).toBeInTheDocument();
  });
});
