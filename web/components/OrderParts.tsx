import type { ReactNode } from "react";

import { countryName } from "@/lib/countries";
import { formatMoney } from "@/lib/money";
import { STATUS_LABEL, STATUS_TONE, formatDateTime, type Order, type OrderStatus } from "@/lib/orders";

const TONE_CLASS = {
  waiting: "bg-amber-50 text-amber-900 ring-amber-300",
  moving: "bg-sky-50 text-sky-900 ring-sky-300",
  done: "bg-emerald-50 text-emerald-900 ring-emerald-300",
  ended: "bg-stone-100 text-stone-800 ring-stone-300",
  trouble: "bg-red-50 text-red-900 ring-red-300",
} as const;

export function OrderStatusBadge({ status }: { status: OrderStatus }) {
  return (
    <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE_CLASS[STATUS_TONE[status]]}`}>
      {STATUS_LABEL[status]}
    </span>
  );
}

const ACTOR_LABEL = { buyer: "you", artist: "the artist", operator: "Atelier", system: "Atelier" } as const;
const ACTOR_LABEL_FOR_ARTIST = { buyer: "the buyer", artist: "you", operator: "Atelier", system: "Atelier" } as const;

/** The order's history, oldest first: every status it went through, when, and by whom. */
export function OrderTimeline({ order, viewer }: { order: Order; viewer: "buyer" | "artist" | "operator" }) {
  const actors = viewer === "artist" ? ACTOR_LABEL_FOR_ARTIST : ACTOR_LABEL;
  const placed = { label: "Order placed", at: order.created_at, by: viewer === "buyer" ? "you" : "the buyer", reason: "" };
  const steps = [
    placed,
    ...order.timeline.map((entry) => ({
      label: STATUS_LABEL[entry.to],
      at: entry.at,
      by: viewer === "operator" ? entry.actor : actors[entry.actor],
      reason: entry.reason,
    })),
  ];
  return (
    <ol aria-label="Order timeline" className="relative ml-2 border-l border-stone-300">
      {steps.map((step, index) => (
        <li key={`${step.label}-${step.at}-${index}`} className="relative pb-5 pl-6 last:pb-0">
          <span
            aria-hidden="true"
            className={`absolute top-1.5 -left-[5px] h-2.5 w-2.5 rounded-full ${index === steps.length - 1 ? "bg-stone-900" : "bg-stone-400"}`}
          />
          <p className="font-medium text-stone-900">{step.label}</p>
          <p className="text-sm text-stone-600">
            <time dateTime={step.at}>{formatDateTime(step.at)}</time> · by {step.by}
          </p>
          {step.reason && <p className="mt-1 text-sm text-stone-700">“{step.reason}”</p>}
        </li>
      ))}
    </ol>
  );
}

/** The order's money as the viewer needs it: the buyer's total, and for the artist and operators the split. */
export function OrderMoney({ order, viewer }: { order: Order; viewer: "buyer" | "artist" | "operator" }) {
  const rows: [string, ReactNode][] = [
    ["Works", formatMoney(order.subtotal)],
    [order.shipping_method === "collection" ? "Collection" : "Shipping", order.shipping.amount_minor === 0 ? "Free" : formatMoney(order.shipping)],
    ["Total", formatMoney(order.total)],
  ];
  if (viewer !== "buyer") {
    rows.push(["Atelier's commission", `−${formatMoney(order.commission)}`]);
    if (order.fees.amount_minor > 0) rows.push(["Payment fees", `−${formatMoney(order.fees)}`]);
    rows.push([viewer === "artist" ? "You receive" : "Artist receives", formatMoney(order.artist_net)]);
  }
  if (order.refunded.amount_minor > 0) rows.push(["Refunded", formatMoney(order.refunded)]);
  return (
    <dl className="grid grid-cols-[1fr_auto] gap-x-6 gap-y-1.5 text-sm">
      {rows.map(([term, value]) => (
        <div key={term} className="contents">
          <dt className={term === "Total" || term === "You receive" ? "font-medium text-stone-900" : "text-stone-600"}>{term}</dt>
          <dd className={`text-right tabular-nums ${term === "Total" || term === "You receive" ? "font-medium text-stone-900" : "text-stone-800"}`}>
            {value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function OrderLines({ order }: { order: Order }) {
  return (
    <ul className="divide-y divide-stone-200">
      {order.lines.map((line) => (
        <li key={line.artwork_id} className="flex items-baseline justify-between gap-4 py-2">
          <span>
            <a href={`/artworks/${line.artwork_id}`} className="font-medium text-stone-900 underline-offset-4 hover:underline">
              {line.title}
            </a>
            {line.quantity > 1 && <span className="text-stone-600"> × {line.quantity}</span>}
          </span>
          <span className="tabular-nums text-stone-800">
            {formatMoney({ ...line.unit_price, amount_minor: line.unit_price.amount_minor * line.quantity })}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function ShippingSummary({ order }: { order: Order }) {
  const address = order.shipping_address;
  return (
    <div className="text-sm text-stone-800">
      {order.shipping_method === "collection" ? (
        <p>Collected in person from the artist.</p>
      ) : (
        <address className="not-italic">
          {address.name}
          <br />
          {address.line1}
          {address.line2 && (
            <>
              <br />
              {address.line2}
            </>
          )}
          <br />
          {[address.postal_code, address.city].filter(Boolean).join(" ")}
          <br />
          {countryName(address.country)}
        </address>
      )}
      {order.carrier && (
        <p className="mt-2">
          {order.shipping_method === "collection" ? "Handed over by" : "Carrier"}: {order.carrier}
          {order.tracking_number && <> · Tracking number {order.tracking_number}</>}
        </p>
      )}
    </div>
  );
}
