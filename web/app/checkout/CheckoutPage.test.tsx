import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { checkoutView, orderView } from "@/test/commerce";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { CheckoutPage } from "./CheckoutPage";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

// Stripe.js as the page sees it: an element that mounts, and a payment that is confirmed.
const stripe = vi.hoisted(() => ({
  confirmPayment: vi.fn(),
  loadStripe: vi.fn(),
}));
vi.mock("@stripe/stripe-js/pure", () => ({ loadStripe: stripe.loadStripe }));

const collector = { id: "0190c4f6-9999-7000-8000-000000000001", email: "iris@example.com", display_name: "Iris", role: "collector", artist_id: null } as never;
const open = checkoutView();
const id = open.id;
const paid: Schemas["CheckoutView"] = {
  ...open,
  status: "paid",
  payment: { ...open.payment, state: "requires_capture" },
  orders: [orderView()],
};
const sandboxUrl = `/api/payments/sandbox/payments/${open.payment.payment_id}`;

beforeEach(() => {
  window.history.pushState({}, "", `/checkout/?id=${id}`);
  useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
});

async function pay(card: string) {
  const field = await screen.findByLabelText("Card number");
  await userEvent.clear(field);
  await userEvent.type(field, card);
  await userEvent.click(screen.getByRole("button", { name: /^Pay £1,295.00/ }));
}

describe("paying for a checkout", () => {
  it("shows the test cards, pays with the sandbox, confirms the checkout and shows the orders as paid", async () => {
    let confirmed = false;
    route({
      [`GET /api/checkouts/${id}`]: json(open),
      [`POST ${sandboxUrl}/confirm`]: async (request) => {
        expect(await request.json()).toEqual({ client_secret: open.payment.client_secret, card_number: "4242424242424242" });
        return json({ status: "requires_capture", decline: null });
      },
      [`POST /api/checkouts/${id}/confirm`]: () => {
        confirmed = true;
        return json(paid);
      },
    });
    renderWithQueries(<CheckoutPage />);

    const field = await screen.findByLabelText("Card number");
    expect(field).toHaveAccessibleDescription(/4242 4242 4242 4242 is authorised; 4000 0000 0000 0002 is declined/);
    expect(screen.getByText(/Your works are held for you until/)).toBeInTheDocument();
    await pay("4242 4242 4242 4242");

    expect(await screen.findByRole("heading", { name: "Thank you: your order is placed" })).toHaveFocus();
    expect(confirmed).toBe(true);
    const orders = screen.getByRole("list", { name: "Your orders" });
    expect(within(orders).getByText("Paid")).toBeInTheDocument();
    expect(within(orders).getByRole("link", { name: "Wave at Dawn" })).toHaveAttribute("href", expect.stringMatching(/^\/orders\/?\?id=/));
  });

  it("shows a declined card's reason under the card field, and lets the buyer try another", async () => {
    route({
      [`GET /api/checkouts/${id}`]: json(open),
      [`POST ${sandboxUrl}/confirm`]: async (request) => {
        const { card_number } = (await request.json()) as { card_number: string };
        return card_number === "4000000000000002"
          ? json({ status: "requires_payment_method", decline: { code: "card_declined", message: "Your card was declined." } })
          : json({ status: "requires_capture", decline: null });
      },
      [`POST /api/checkouts/${id}/confirm`]: json(paid),
    });
    renderWithQueries(<CheckoutPage />);
    await pay("4000 0000 0000 0002");

    const field = screen.getByLabelText("Card number");
    await waitFor(() => expect(field).toHaveAttribute("aria-invalid", "true"));
    expect(field).toHaveAccessibleDescription(/^Your card was declined\./);
    await waitFor(() => expect(field).toHaveFocus());
    expect(requests.some((r) => r.url.endsWith(`/api/checkouts/${id}/confirm`))).toBe(false);

    await pay("4242 4242 4242 4242");
    expect(await screen.findByRole("heading", { name: "Thank you: your order is placed" })).toBeInTheDocument();
  });

  it("offers the bank's authentication step, whose failure is a decline", async () => {
    route({
      [`GET /api/checkouts/${id}`]: json(open),
      [`POST ${sandboxUrl}/confirm`]: json({ status: "requires_action", decline: null }),
      [`POST ${sandboxUrl}/authenticate`]: async (request) => {
        const { succeed } = (await request.json()) as { succeed: boolean };
        return succeed
          ? json({ status: "requires_capture", decline: null })
          : json({
              status: "requires_payment_method",
              decline: { code: "payment_intent_authentication_failure", message: "The card's bank could not authenticate this payment." },
            });
      },
      [`POST /api/checkouts/${id}/confirm`]: json(paid),
    });
    renderWithQueries(<CheckoutPage />);
    await pay("4000 0027 6000 3184");

    expect(await screen.findByRole("heading", { name: "Your bank asks you to confirm this payment" })).toHaveFocus();
    await userEvent.click(screen.getByRole("button", { name: "Fail authentication" }));
    expect(await screen.findByLabelText("Card number")).toHaveAccessibleDescription(/bank could not authenticate/);

    await pay("4000 0027 6000 3184");
    await userEvent.click(await screen.findByRole("button", { name: "Complete authentication" }));
    expect(await screen.findByRole("heading", { name: "Thank you: your order is placed" })).toBeInTheDocument();
  });

  it("confirms a checkout that was paid before the page loaded", async () => {
    route({
      [`GET /api/checkouts/${id}`]: json({ ...open, payment: { ...open.payment, state: "requires_capture" } }),
      [`POST /api/checkouts/${id}/confirm`]: json(paid),
    });
    renderWithQueries(<CheckoutPage />);
    expect(await screen.findByRole("heading", { name: "Thank you: your order is placed" })).toBeInTheDocument();
  });

  it("says when the hold ran out", async () => {
    route({ [`GET /api/checkouts/${id}`]: json({ ...open, status: "expired" }) });
    renderWithQueries(<CheckoutPage />);
    expect(await screen.findByRole("heading", { name: "This checkout has expired" })).toBeInTheDocument();
  });

  it("says a checkout of someone else's is not found", async () => {
    route({ [`GET /api/checkouts/${id}`]: problem(404, "Not found", "no such checkout") });
    renderWithQueries(<CheckoutPage />);
    expect(await screen.findByRole("heading", { name: "Checkout not found" })).toBeInTheDocument();
  });

  it("loads Stripe's Payment Element only for a Stripe checkout, and confirms after Stripe authorises", async () => {
    const element = { on: vi.fn((_: string, ready: () => void) => ready()), mount: vi.fn(), destroy: vi.fn() };
    const elements = { create: vi.fn(() => element) };
    stripe.loadStripe.mockResolvedValue({ elements: vi.fn(() => elements), confirmPayment: stripe.confirmPayment });
    stripe.confirmPayment.mockResolvedValue({ paymentIntent: { status: "requires_capture" } });
    const viaStripe = { ...open, payment: { ...open.payment, provider: "stripe", publishable_key: "pk_test_123" } };
    route({
      [`GET /api/checkouts/${id}`]: json(viaStripe),
      [`POST /api/checkouts/${id}/confirm`]: json(paid),
    });
    renderWithQueries(<CheckoutPage />);

    const payButton = await screen.findByRole("button", { name: /^Pay £1,295.00/ });
    await waitFor(() => expect(payButton).toBeEnabled());
    expect(stripe.loadStripe).toHaveBeenCalledWith("pk_test_123");
    expect(elements.create).toHaveBeenCalledWith("payment");
    expect(screen.queryByLabelText("Card number")).not.toBeInTheDocument();
    await userEvent.click(payButton);

    expect(stripe.confirmPayment).toHaveBeenCalledWith(expect.objectContaining({ redirect: "if_required" }));
    expect(await screen.findByRole("heading", { name: "Thank you: your order is placed" })).toBeInTheDocument();
  });
});
