import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { ForgotPassword } from "./ForgotPassword";

async function ask(email: string) {
  const user = userEvent.setup();
  renderWithQueries(<ForgotPassword />);
  await user.type(screen.getByLabelText("Email"), email);
  await user.click(screen.getByRole("button", { name: "Send the link" }));
}

describe("asking for a password-reset link", () => {
  it("sends the address and says the same thing whether or not it has an account", async () => {
    route({ "POST /api/auth/password-reset": new Response(null, { status: 202 }) });
    await ask("  ann@example.com ");
    expect(await screen.findByRole("status")).toHaveTextContent(
      "If an account uses ann@example.com, a link to choose a new password is on its way.",
    );
    expect(await requests[0]!.json()).toEqual({ email: "ann@example.com" });
  });

  it("shows a refused address next to the field", async () => {
    route({
      "POST /api/auth/password-reset": problem(422, "Invalid", "1 field(s) are invalid", [
        { field: "email", message: "must be an e-mail address" },
      ]),
    });
    await ask("ann");
    expect(await screen.findByText(/must be an e-mail address/i)).toBeInTheDocument();
    expect(screen.getByLabelText("Email")).toHaveAttribute("aria-invalid", "true");
  });
});
