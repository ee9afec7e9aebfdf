import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { Unsubscribe } from "./Unsubscribe";

let search = "";
vi.mock("next/navigation", () => ({ useSearchParams: () => new URLSearchParams(search) }));

beforeEach(() => {
  search = "token=abc.def";
});

describe("stopping notification e-mails from a message", () => {
  it("changes nothing until asked, then sends the link's token", async () => {
    route({ "POST /api/me/notifications/unsubscribe": new Response(null, { status: 204 }) });
    renderWithQueries(<Unsubscribe />);
    expect(requests).toHaveLength(0);
    await userEvent.setup().click(screen.getByRole("button", { name: "Stop notification e-mails" }));
    expect(await screen.findByRole("status")).toHaveTextContent("No more notification e-mails");
    expect(new URL(requests[0]!.url).searchParams.get("token")).toBe("abc.def");
  });

  it("says why a link is refused", async () => {
    route({ "POST /api/me/notifications/unsubscribe": problem(403, "Forbidden", "this unsubscribe link is not valid") });
    renderWithQueries(<Unsubscribe />);
    await userEvent.setup().click(screen.getByRole("button", { name: "Stop notification e-mails" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/not valid/i);
  });

  it("cannot be used without a token", () => {
    search = "";
    renderWithQueries(<Unsubscribe />);
    expect(screen.getByRole("button", { name: "Stop notification e-mails" })).toBeDisabled();
  });
});
