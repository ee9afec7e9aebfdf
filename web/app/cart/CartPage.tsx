"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { type AddressDraft, emptyAddress } from "@/components/AddressFields";
import { PageSkeleton } from "@/components/PageSkeleton";
import { RequireSession } from "@/components/RequireSession";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { type Cart, MAX_COPIES, cartKey, putCartItem, removeCartItem, useCart } from "@/lib/cart";
import { type Method, type Quote, blockers, defaultMethod, methodsOffered, quote, totals, unavailableLine } from "@/lib/checkout";
import { countryName } from "@/lib/countries";
import { formatMoney } from "@/lib/money";
import { pluralise } from "@/lib/format";
import { useSession } from "@/lib/session";

import { CheckoutForm } from "./CheckoutForm";

type Group = Schemas["CartGroup"];
type Line = Schemas["CartLineView"];

export function CartPage() {
  return (
    <RequireSession reason="Sign in to see your cart and check out.">
      {() => <CartContents />}
    </RequireSession>
  );
}

function CartContents() {
  const cart = useCart();
  if (cart.isPending) {
    return (
      <PageSkeleton label="Loading your cart…">
        <div aria-hidden="true" className="space-y-4">
          <div className="h-9 w-48 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-40 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        </div>
      </PageSkeleton>
    );
  }
  if (cart.isError) return <ErrorState error={cart.error} onRetry={() => void cart.refetch()} />;
  if (cart.data.groups.length === 0 && cart.data.unavailable.length === 0) {
    return (
      <StateMessage title="Your cart is empty" link={{ href: "/search/", label: "Discover works" }}>
        <p>Works you add to your cart wait here until you check out.</p>
      </StateMessage>
    );
  }
  return <FilledCart cart={cart.data} />;
}

function FilledCart({ cart }: { cart: Cart }) {
  const [chosen, setChosen] = useState<Record<string, Method>>({});
  const [address, setAddress] = useState<AddressDraft>(emptyAddress);
  const methodOf = (group: Group) => chosen[group.artist_id] ?? defaultMethod(group.shipping);
  const quotes = cart.groups.map((group) => quote(group, methodOf(group), address.country));
  const sums = totals(cart, quotes);
  const reasons = blockers(cart, quotes);
  const collectFrom = cart.groups.filter((group) => methodOf(group) === "collection").map((group) => group.artist_id);
  const works = cart.groups.reduce((n, group) => n + group.lines.length, 0);

  return (
    <div className="flex flex-col gap-8">
      <div>
        <h1 className="font-serif text-3xl">Your cart</h1>
        <p className="mt-1 text-stone-600">
          {pluralise(works, "work")} from {pluralise(cart.groups.length, "artist")}. Each artist’s works become one order,
          all paid in one payment.
        </p>
      </div>

      {cart.mixed_currencies && (
        <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950">
          <p className="font-medium">Your cart has works priced in different currencies.</p>
          <p className="mt-1">One checkout takes one currency. Remove the works in other currencies and buy them separately.</p>
        </div>
      )}
      {cart.unavailable.length > 0 && <UnavailableWorks ids={cart.unavailable} />}

      <div className="grid gap-10 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="flex flex-col gap-8">
          {cart.groups.map((group, index) => (
            <ArtistGroup
              key={group.artist_id}
              group={group}
              method={methodOf(group)}
              quote={quotes[index]!}
              country={address.country}
              onMethod={(method) => setChosen((current) => ({ ...current, [group.artist_id]: method }))}
            />
          ))}
        </div>

        <aside aria-labelledby="summary-heading" className="flex flex-col gap-6 lg:sticky lg:top-20 lg:self-start">
          <section className="rounded-lg border border-stone-200 bg-white p-5">
            <h2 id="summary-heading" className="font-serif text-xl">
              Summary
            </h2>
            <dl className="mt-4 grid grid-cols-[1fr_auto] gap-x-6 gap-y-1.5 text-sm">
              <dt className="text-stone-600">Works</dt>
              <dd className="text-right tabular-nums">{sums.works ? formatMoney(sums.works) : "—"}</dd>
              <dt className="text-stone-600">Shipping</dt>
              <dd className="text-right tabular-nums">
                {sums.shipping
                  ? sums.shipping.amount_minor === 0
                    ? "Free"
                    : formatMoney(sums.shipping)
                  : quotes.some((q) => q.kind === "needs-country")
                    ? "Choose a country"
                    : "—"}
              </dd>
              <dt className="border-t border-stone-200 pt-2 font-medium">Total</dt>
              <dd className="border-t border-stone-200 pt-2 text-right font-medium tabular-nums">
                {sums.total ? formatMoney(sums.total) : "—"}
              </dd>
            </dl>
          </section>
          <CheckoutForm
            address={address}
            onAddress={setAddress}
            collectFrom={collectFrom}
            blockers={reasons}
            total={sums.total}
          />
        </aside>
      </div>
    </div>
  );
}

function UnavailableWorks({ ids }: { ids: string[] }) {
  const queryClient = useQueryClient();
  const userId = useSession((s) => s.user?.id ?? null);
  const remove = useMutation({
    mutationFn: () => Promise.all(ids.map((id) => removeCartItem(id))),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: cartKey(userId) }),
  });
  return (
    <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950">
      <p className="font-medium">
        {ids.length === 1 ? "A work in your cart is" : `${ids.length} works in your cart are`} no longer for sale.
      </p>
      <p className="mt-1">The artist withdrew {ids.length === 1 ? "it" : "them"}, or it was sold to someone else.</p>
      <button type="button" className="btn-secondary mt-3" disabled={remove.isPending} onClick={() => remove.mutate()}>
        {remove.isPending ? "Removing…" : ids.length === 1 ? "Remove it" : "Remove them"}
      </button>
      {remove.isError && <p className="mt-2 text-red-800">{describeError(remove.error)}</p>}
    </div>
  );
}

type GroupProps = {
  group: Group;
  method: Method;
  quote: Quote;
  country: string;
  onMethod: (method: Method) => void;
};

function ArtistGroup({ group, method, quote, country, onMethod }: GroupProps) {
  const headingId = `artist-${group.artist_id}`;
  const offered = methodsOffered(group.shipping);
  const options = group.shipping;
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-stone-200 bg-white">
      <div className="flex flex-wrap items-baseline justify-between gap-2 border-b border-stone-200 px-5 py-3">
        <h2 id={headingId} className="font-serif text-xl">
          <a href={`/artists/${group.artist_slug}`} className="underline-offset-4 hover:underline">
            {group.artist_name}
          </a>
        </h2>
        <p className="text-sm text-stone-600">
          Subtotal <span className="font-medium text-stone-900 tabular-nums">{formatMoney(group.subtotal)}</span>
        </p>
      </div>
      <ul className="divide-y divide-stone-200 px-5">
        {group.lines.map((line) => (
          <CartLine key={line.artwork_id} line={line} />
        ))}
      </ul>
      <div className="border-t border-stone-200 px-5 py-4">
        {!options ? (
          <p className="text-sm text-amber-900">
            {group.artist_name} has not said how they ship yet, so these works cannot be checked out yet.
          </p>
        ) : (
          <fieldset>
            <legend className="field-label">How you get {group.lines.length === 1 ? "this work" : "these works"}</legend>
            <div className="mt-2 flex flex-col gap-2 text-sm">
              {offered.includes("delivery") && (
                <label className="flex items-start gap-2">
                  <input
                    type="radio"
                    name={`method-${group.artist_id}`}
                    value="delivery"
                    checked={method === "delivery"}
                    onChange={() => onMethod("delivery")}
                    className="mt-1"
                  />
                  <span>
                    Delivery from {countryName(options.origin_country)}
                    <span className="block text-stone-600">{deliveryRates(options)}</span>
                  </span>
                </label>
              )}
              {offered.includes("collection") && (
                <label className="flex items-start gap-2">
                  <input
                    type="radio"
                    name={`method-${group.artist_id}`}
                    value="collection"
                    checked={method === "collection"}
                    onChange={() => onMethod("collection")}
                    className="mt-1"
                  />
                  <span>
                    Collect in person, free
                    <span className="block text-stone-600">The artist arranges a time with you after accepting.</span>
                  </span>
                </label>
              )}
            </div>
            <p className="mt-3 text-sm" aria-live="polite">
              {quote.kind === "cost" &&
                (quote.method === "collection"
                  ? "Collection: free."
                  : `Shipping to ${countryName(country)}: ${quote.cost.amount_minor === 0 ? "free" : formatMoney(quote.cost)}.`)}
              {quote.kind === "needs-country" && <span className="text-stone-600">Shipping is priced once you choose a country below.</span>}
              {quote.kind === "impossible" && <span className="text-amber-900">{quote.reason}</span>}
            </p>
          </fieldset>
        )}
      </div>
    </section>
  );
}

function deliveryRates(options: Schemas["ShippingOptions"]): string {
  const rate = (money: Schemas["Money"]) => (money.amount_minor === 0 ? "free" : formatMoney(money));
  const home = countryName(options.origin_country);
  if (options.domestic && options.international) return `${rate(options.domestic)} within ${home}, ${rate(options.international)} elsewhere`;
  if (options.domestic) return `${rate(options.domestic)}, within ${home} only`;
  if (options.international) return `${rate(options.international)}, outside ${home} only`;
  return "";
}

function CartLine({ line }: { line: Line }) {
  const queryClient = useQueryClient();
  const userId = useSession((s) => s.user?.id ?? null);
  const key = cartKey(userId);
  const update = useMutation({
    mutationFn: (quantity: number) => putCartItem(line.artwork_id, quantity),
    onSuccess: (cart) => queryClient.setQueryData(key, cart),
    onError: () => void queryClient.invalidateQueries({ queryKey: key }),
  });
  const remove = useMutation({
    mutationFn: () => removeCartItem(line.artwork_id),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: key }),
  });
  const edition = line.edition_kind !== "unique";
  const most = Math.max(line.quantity, Math.min(line.available ?? MAX_COPIES, MAX_COPIES));
  const quantityId = `quantity-${line.artwork_id}`;
  const total = { ...line.unit_price, amount_minor: line.unit_price.amount_minor * line.quantity };
  const failure = update.error ?? remove.error;

  return (
    <li className="py-4">
      <div className="flex flex-wrap items-start justify-between gap-x-6 gap-y-2">
        <div className="min-w-0">
          <h3 className="font-medium">
            <a href={`/artworks/${line.artwork_id}`} className="underline-offset-4 hover:underline">
              {line.title}
            </a>
          </h3>
          <p className="text-sm text-stone-600">
            {line.edition_kind === "unique"
              ? "Unique work"
              : line.edition_kind === "open"
                ? "Open edition"
                : `Limited edition of ${line.edition_size ?? "?"}${line.available != null ? ` · ${line.available} left` : ""}`}
            {" · "}
            {formatMoney(line.unit_price)}
            {edition && " each"}
          </p>
        </div>
        <div className="flex items-center gap-4">
          {edition && (
            <div className="flex items-center gap-2">
              <label htmlFor={quantityId} className="text-sm text-stone-700">
                Quantity
              </label>
              <select
                id={quantityId}
                value={line.quantity}
                disabled={update.isPending}
                onChange={(e) => update.mutate(Number(e.target.value))}
                className="rounded-md border border-stone-300 bg-white px-2 py-1 text-sm"
              >
                {Array.from({ length: most }, (_, i) => i + 1).map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </div>
          )}
          <p className="w-24 text-right font-medium tabular-nums">{formatMoney(total)}</p>
        </div>
      </div>
      <div className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
        <button
          type="button"
          className="text-stone-700 underline underline-offset-2 hover:text-stone-900"
          disabled={remove.isPending}
          onClick={() => remove.mutate()}
          aria-label={`Remove ${line.title}`}
        >
          {remove.isPending ? "Removing…" : "Remove"}
        </button>
        {line.price_changed && line.purchasable && (
          <span className="flex flex-wrap items-center gap-2 text-amber-900">
            The price changed since you added it; it is now {formatMoney(line.unit_price)}.
            <button
              type="button"
              className="underline underline-offset-2"
              disabled={update.isPending}
              onClick={() => update.mutate(line.quantity)}
            >
              Accept the new price
            </button>
          </span>
        )}
        {!line.purchasable && <span className="text-amber-900">{unavailableLine(line)}</span>}
      </div>
      {failure && (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {describeError(failure)}
        </p>
      )}
    </li>
  );
}
