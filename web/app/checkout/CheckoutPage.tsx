"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";

import { OrderLines, OrderMoney, OrderStatusBadge } from "@/components/OrderParts";
import { PageSkeleton } from "@/components/PageSkeleton";
import { RequireSession } from "@/components/RequireSession";
import { SandboxCardForm } from "@/components/SandboxCardForm";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { StripeCardForm } from "@/components/StripeCardForm";
import { ApiError } from "@/lib/api/problem";
import { formatMoney } from "@/lib/money";
import { BUYER_MEANING, orderTitle, relativeTo } from "@/lib/orders";

import { type CheckoutView, TEST_CARDS, authenticate, authorised, checkoutKey, confirmCard, confirmCheckout, loadCheckout } from "./payments";

export function CheckoutPage() {
  const id = useSearchParams().get("id");
  return (
    <RequireSession reason="Sign in to pay for your order.">
      {() =>
        id ? (
          <Checkout id={id} />
        ) : (
          <StateMessage title="No checkout chosen" link={{ href: "/cart/", label: "Go to your cart", secondary: true }}>
            <p>Check out from your cart to pay for your works.</p>
          </StateMessage>
        )
      }
    </RequireSession>
  );
}

function Checkout({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const checkout = useQuery({
    queryKey: checkoutKey(id),
    queryFn: ({ signal }) => loadCheckout(id, signal),
    staleTime: 0,
    // While the provider is still working, ask again shortly.
    refetchInterval: (query) => (query.state.data?.payment.state === "processing" ? 2_000 : false),
  });
  const confirm = useMutation({
    mutationFn: () => confirmCheckout(id),
    onSuccess: (view) => {
      queryClient.setQueryData(checkoutKey(id), view);
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
    },
  });
  const { mutate: confirmNow, isIdle: notConfirmedYet } = confirm;

  // Paid, but the checkout does not know yet (the page was reloaded right
  // after paying, or the buyer came back from a bank's page): confirm it.
  const view = checkout.data;
  const needsConfirm = view?.status === "open" && authorised(view.payment.state);
  useEffect(() => {
    if (needsConfirm && notConfirmedYet) confirmNow();
  }, [needsConfirm, notConfirmedYet, confirmNow]);

  if (checkout.isPending) {
    return (
      <PageSkeleton label="Loading your checkout…">
        <div aria-hidden="true" className="mx-auto max-w-3xl space-y-4">
          <div className="h-9 w-56 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-48 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        </div>
      </PageSkeleton>
    );
  }
  if (checkout.isError) {
    if (checkout.error instanceof ApiError && (checkout.error.isNotFound || checkout.error.status === 422 || checkout.error.status === 400)) {
      return (
        <StateMessage title="Checkout not found" link={{ href: "/orders/", label: "See your orders", secondary: true }}>
          <p>It may belong to another account, or the link may be mistyped.</p>
        </StateMessage>
      );
    }
    return <ErrorState error={checkout.error} onRetry={() => void checkout.refetch()} />;
  }

  const data = checkout.data;
  if (data.status === "paid" || data.status === "settled") return <Confirmation checkout={data} />;
  if (data.status === "expired" || data.payment.state === "canceled") return <Expired />;

  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-8">
      <div>
        <h1 className="font-serif text-3xl">Payment</h1>
        <HoldNotice expiresAt={data.expires_at} />
      </div>
      <Summary checkout={data} />
      {needsConfirm || confirm.isPending ? (
        <p role="status" className="text-stone-700">
          Payment authorised. Confirming your order…
        </p>
      ) : confirm.isError ? (
        <ErrorState error={confirm.error} onRetry={() => confirm.mutate()} />
      ) : data.payment.state === "processing" ? (
        <p role="status" className="text-stone-700">
          Your payment is being processed…
        </p>
      ) : (
        <PaymentForm checkout={data} onAuthorised={() => confirm.mutate()} />
      )}
    </div>
  );
}

function PaymentForm({ checkout, onAuthorised }: { checkout: CheckoutView; onAuthorised: () => void }) {
  const { payment } = checkout;
  const amount = formatMoney(checkout.total);
  if (payment.provider === "sandbox") {
    return (
      <SandboxCardForm
        wording={{
          heading: "Card",
          authentication: "Your bank asks you to confirm this payment",
          submit: `Pay ${amount}`,
          busy: "Paying…",
          testCards: TEST_CARDS,
        }}
        confirm={(cardNumber) => confirmCard(payment, cardNumber)}
        authenticate={(succeed) => authenticate(payment, succeed)}
        done={authorised}
        onDone={onAuthorised}
        initialDecline={payment.decline}
        initiallyAuthenticating={payment.state === "requires_action"}
      />
    );
  }
  if (payment.provider === "stripe" && payment.publishable_key) {
    return (
      <StripeCardForm
        clientSecret={payment.client_secret}
        publishableKey={payment.publishable_key}
        heading="Payment"
        submit={`Pay ${amount}`}
        busy="Paying…"
        initialMessage={payment.decline?.message}
        onDone={onAuthorised}
        confirm={async (stripe, elements) => {
          // A payment the bank holds for authentication resumes where it stopped.
          const result =
            payment.state === "requires_action"
              ? await stripe.handleNextAction({ clientSecret: payment.client_secret })
              : await stripe.confirmPayment({ elements, redirect: "if_required", confirmParams: { return_url: window.location.href } });
          if (result.error) return result.error.message ?? "Your payment could not be completed.";
          if (result.paymentIntent && authorised(result.paymentIntent.status)) return null;
          return "Your payment was not completed. Try again, or use another card.";
        }}
      />
    );
  }
  return (
    <div role="alert">
      <StateMessage title="Payments are not available right now">
        <p>We cannot take payment for this checkout at the moment. Your works stay held until the time above.</p>
      </StateMessage>
    </div>
  );
}

/** The time the works are held until, kept current as the minutes pass. */
function HoldNotice({ expiresAt }: { expiresAt: string }) {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), 30_000);
    return () => window.clearInterval(timer);
  }, []);
  const until = new Date(expiresAt);
  const time = until.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return (
    <p className="mt-1 text-stone-600">
      {until > now ? (
        <>
          Your works are held for you until <time dateTime={expiresAt}>{time}</time> ({relativeTo(expiresAt, now)}).
        </>
      ) : (
        "The time your works were held for has run out."
      )}
    </p>
  );
}

function Summary({ checkout }: { checkout: CheckoutView }) {
  return (
    <section aria-labelledby="summary-heading" className="rounded-lg border border-stone-200 bg-white p-5">
      <h2 id="summary-heading" className="font-serif text-xl">
        Your order
      </h2>
      <div className="mt-3 flex flex-col gap-4">
        {checkout.orders.map((order) => (
          <div key={order.id}>
            <OrderLines order={order} />
            {order.shipping.amount_minor > 0 && (
              <p className="flex justify-between text-sm text-stone-600">
                <span>Shipping</span>
                <span className="tabular-nums">{formatMoney(order.shipping)}</span>
              </p>
            )}
          </div>
        ))}
      </div>
      <p className="mt-4 flex justify-between border-t border-stone-200 pt-3 font-medium">
        <span>Total</span>
        <span className="tabular-nums">{formatMoney(checkout.total)}</span>
      </p>
    </section>
  );
}

function Confirmation({ checkout }: { checkout: CheckoutView }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-8">
      <div>
        <h1 ref={heading} tabIndex={-1} className="font-serif text-3xl focus:outline-none">
          Thank you: your order is placed
        </h1>
        <p className="mt-2 text-stone-700">
          We have authorised {formatMoney(checkout.total)} on your card. Each artist now accepts their order; you are
          charged only for the orders they accept.
        </p>
      </div>
      <ul aria-label="Your orders" className="flex flex-col gap-4">
        {checkout.orders.map((order) => (
          <li key={order.id} className="rounded-lg border border-stone-200 bg-white p-5">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <h2 className="font-medium">
                <Link href={`/orders/?id=${order.id}`} className="underline-offset-4 hover:underline">
                  {orderTitle(order)}
                </Link>
              </h2>
              <OrderStatusBadge status={order.status} />
            </div>
            <p className="mt-1 text-sm text-stone-600">{BUYER_MEANING[order.status]}</p>
            <div className="mt-3">
              <OrderMoney order={order} viewer="buyer" />
            </div>
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-3">
        <Link href="/orders/" className="btn-primary">
          See your orders
        </Link>
        <Link href="/search/" className="btn-secondary">
          Keep browsing
        </Link>
      </div>
    </div>
  );
}

function Expired() {
  return (
    <StateMessage title="This checkout has expired" link={{ href: "/cart/", label: "Back to your cart" }}>
      <p>It was not paid in time, so the works went back on sale. Add them to your cart again to buy them.</p>
    </StateMessage>
  );
}
