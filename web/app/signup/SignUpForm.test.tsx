import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { sessionView } from "@/test/fixtures";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { SignUpForm } from "./SignUpForm";

const push = vi.fn();
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push }),
  useSearchParams: () => new URLSearchParams("next=%2Fcollection%2F"),
}));

beforeEach(() => {
  push.mockReset();
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
});

async function fill(role: "Collector" | "Artist", password = "violet-harbour-mosaic-42") {
  const user = userEvent.setup();
  renderWithQueries(<SignUpForm />);
  await user.type(screen.getByLabelText("Display name"), "Ann Lee");
  await user.type(screen.getByLabelText("Email"), "ann@example.com");
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("radio", { name: role }));
  await user.click(screen.getByRole("button", { name: "Create account" }));
}

describe("signing up", () => {
  it("sends artists to the studio", async () => {
    route({ "POST /api/auth/register": json(sessionView({ role: "artist" }), 201) });
    await fill("Artist");
    await waitFor(() => expect(push).toHaveBeenCalledWith("/studio/"));
    expect(await requests[0]!.json()).toMatchObject({ role: "artist", display_name: "Ann Lee" });
  });

  it("sends collectors where they were going", async () => {
    route({ "POST /api/auth/register": json(sessionView(), 201) });
    await fill("Collector");
    await waitFor(() => expect(push).toHaveBeenCalledWith("/collection/"));
  });

  it("shows the password rule the API applied under the password", async () => {
    route({
      "POST /api/auth/register": problem(422, "Invalid fields", "1 field is invalid", [
        { field: "password", message: "is too easy to guess: This is a very common password" },
      ]),
    });
    await fill("Collector", "password1");
    const password = screen.getByLabelText("Password");
    await waitFor(() => expect(password).toHaveAttribute("aria-invalid", "true"));
    expect(password).toHaveAccessibleDescription(expect.stringContaining("Password is too easy to guess: This is a very common password."));
  });

  it("says when the e-mail already has an account", async () => {
    route({ "POST /api/auth/register": problem(409, "Conflict", "an account with this e-mail already exists") });
    await fill("Collector");
    expect(await screen.findByRole("alert")).toHaveTextContent("An account with this e-mail already exists.");
    expect(push).not.toHaveBeenCalled();
  });
});
