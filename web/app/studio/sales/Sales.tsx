"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";

import { LoadMore } from "@/components/ArtworkGrid";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { Field, FormAlert, fieldMessages } from "@/components/Field";
import { OrderLines, OrderMoney, OrderStatusBadge, OrderTimeline, ShippingSummary } from "@/components/OrderParts";
import { OrderReviews } from "@/components/OrderReviews";
import { PageSkeleton } from "@/components/PageSkeleton";
import { PendingReviews } from "@/components/PendingReviews";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import { formatMoney } from "@/lib/money";
import { ARTIST_MEANING, type Order, formatDate, formatDateTime, mayHaveReviews, orderTitle, relativeTo } from "@/lib/orders";

import { NeedsProfile, StudioGate } from "../StudioGate";
import { StudioNav } from "../StudioNav";

const salesKey = ["sales"] as const;
const saleKey = (id: string) => ["sales", id] as const;

export function Sales() {
  const id = useSearchParams().get("id");
  return (
    <StudioGate>
      {(user) =>
        !user.artist_id ? (
          <NeedsProfile />
        ) : (
          <div className="flex flex-col gap-8">
            <StudioNav />
            {id ? <SaleDetail id={id} userId={user.id} /> : <SalesDashboard userId={user.id} />}
          </div>
        )
      }
    </StudioGate>
  );
}

/** The deadline that matters now for a sale, for the list. */
function nextDeadline(order: Order): { label: string; at: string } | null {
  const d = order.deadlines;
  if (order.status === "paid" && d.accept_by) return { label: "Accept or decline by", at: d.accept_by };
  if (order.status === "accepted" && d.ship_by) return { label: "Ship by", at: d.ship_by };
  if (order.status === "shipped" && d.receive_by) return { label: "Counts as received", at: d.receive_by };
  if (order.status === "received" && d.release_at) return { label: "Paid out from", at: d.release_at };
  return null;
}

function SalesDashboard({ userId }: { userId: string }) {
  const sales = useInfiniteQuery({
    queryKey: salesKey,
    queryFn: ({ pageParam, signal }) =>
      call(() => api.GET("/api/me/sales", { params: { query: pageParam ? { cursor: pageParam } : {} }, signal })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
    refetchOnWindowFocus: true,
  });
  const items = sales.data?.pages.flatMap((page) => page.items) ?? [];
  const waiting = items.filter((order) => order.status === "paid" || order.status === "accepted");
  const others = items.filter((order) => !waiting.includes(order));

  return (
    <>
      <div>
        <h1 className="font-serif text-3xl">Sales</h1>
        <p className="mt-1 max-w-2xl text-stone-600">
          Accept or decline each paid order before its deadline, then ship it. The buyer is charged once you accept.
        </p>
      </div>
      <PendingReviews side="artist" userId={userId} />
      {sales.isPending ? (
        <PageSkeleton label="Loading your sales…">
          <div aria-hidden="true" className="h-48 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
        </PageSkeleton>
      ) : sales.isError ? (
        <ErrorState error={sales.error} onRetry={() => void sales.refetch()} />
      ) : items.length === 0 ? (
        <StateMessage title="No sales yet" link={{ href: "/studio/shipping/", label: "Check your shipping terms", secondary: true }}>
          <p>When a collector buys one of your works, the order appears here for you to accept.</p>
        </StateMessage>
      ) : (
        <>
          <SaleList title="Needs your attention" empty="Nothing is waiting for you." orders={waiting} />
          <SaleList title="All other sales" empty="No other sales yet." orders={others} />
          <LoadMore hasMore={sales.hasNextPage} loading={sales.isFetchingNextPage} onMore={() => void sales.fetchNextPage()} />
        </>
      )}
    </>
  );
}

function SaleList({ title, empty, orders }: { title: string; empty: string; orders: Order[] }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId} className="border-b border-stone-200 pb-2 font-serif text-xl">
        {title}
      </h2>
      {orders.length === 0 ? (
        <p className="py-4 text-sm text-stone-600">{empty}</p>
      ) : (
        <ul aria-label={title} className="divide-y divide-stone-200">
          {orders.map((order) => {
            const deadline = nextDeadline(order);
            return (
              <li key={order.id} className="relative flex flex-wrap items-center justify-between gap-3 py-4 focus-within:bg-stone-100 hover:bg-stone-100/60">
                <div className="min-w-0">
                  <h3 className="font-medium">
                    <Link href={`/studio/sales/?id=${order.id}`} className="after:absolute after:inset-0 hover:underline focus-visible:outline-none">
                      {orderTitle(order)}
                    </Link>
                  </h3>
                  <p className="text-sm text-stone-600">
                    Sold <time dateTime={order.created_at}>{formatDate(order.created_at)}</time> · you receive{" "}
                    {formatMoney(order.artist_net)} · {order.shipping_method === "collection" ? "collection" : "delivery"}
                  </p>
                  {deadline && (
                    <p className="text-sm text-stone-800">
                      {deadline.label} <time dateTime={deadline.at}>{formatDateTime(deadline.at)}</time> ({relativeTo(deadline.at)})
                    </p>
                  )}
                </div>
                <OrderStatusBadge status={order.status} />
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function SaleDetail({ id, userId }: { id: string; userId: string }) {
  const queryClient = useQueryClient();
  const sale = useQuery({
    queryKey: saleKey(id),
    queryFn: ({ signal }) => call(() => api.GET("/api/me/sales/{id}", { params: { path: { id } }, signal })),
    staleTime: 0,
  });
  const changed = (next: Order) => {
    queryClient.setQueryData(saleKey(id), next);
    void queryClient.invalidateQueries({ queryKey: salesKey, exact: true });
    void queryClient.invalidateQueries({ queryKey: ["me", "payouts"] });
  };
  const accept = useMutation({
    mutationFn: () => call(() => api.POST("/api/me/sales/{id}/accept", { params: { path: { id } } })),
    onSuccess: changed,
  });

  if (sale.isPending) {
    return (
      <PageSkeleton label="Loading the sale…">
        <div aria-hidden="true" className="h-64 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
      </PageSkeleton>
    );
  }
  if (sale.isError) {
    if (sale.error instanceof ApiError && [400, 404, 422].includes(sale.error.status)) {
      return (
        <StateMessage title="Sale not found" link={{ href: "/studio/sales/", label: "All your sales", secondary: true }}>
          <p>It may belong to another artist, or the link may be mistyped.</p>
        </StateMessage>
      );
    }
    return <ErrorState error={sale.error} onRetry={() => void sale.refetch()} />;
  }

  const order = sale.data;
  const d = order.deadlines;
  const deadlines: [string, string | null | undefined][] = [
    ["Accept or decline by", d.accept_by],
    ["Ship by", d.ship_by],
    ["Counts as received on", d.receive_by],
    ["Paid out from", d.release_at],
  ];
  return (
    <div className="flex flex-col gap-8">
      <div>
        <Link href="/studio/sales/" className="text-sm text-stone-700 hover:underline">
          ← All sales
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-2">
          <h1 className="font-serif text-3xl">{orderTitle(order)}</h1>
          <OrderStatusBadge status={order.status} />
        </div>
        <p className="mt-1 text-stone-600">
          Sold <time dateTime={order.created_at}>{formatDateTime(order.created_at)}</time>
        </p>
        <p role="status" className="mt-3 text-stone-800">
          {ARTIST_MEANING[order.status]}
        </p>
      </div>

      {order.status === "paid" && (
        <section aria-labelledby="answer-heading" className="rounded-lg border border-amber-300 bg-amber-50 p-5">
          <h2 id="answer-heading" className="font-serif text-xl">
            Accept this order?
          </h2>
          {d.accept_by && (
            <p className="mt-1 text-sm text-amber-950">
              Answer by <time dateTime={d.accept_by}>{formatDateTime(d.accept_by)}</time> ({relativeTo(d.accept_by)}), or the
              order lapses and the buyer is not charged.
            </p>
          )}
          <div className="mt-4 flex flex-wrap gap-3">
            <button type="button" className="btn-primary" disabled={accept.isPending} onClick={() => accept.mutate()}>
              {accept.isPending ? "Accepting…" : "Accept order"}
            </button>
            <DeclineButton id={id} onDeclined={changed} />
          </div>
          {accept.isError && (
            <p role="alert" className="mt-3 text-sm text-red-700">
              {describeError(accept.error)}
            </p>
          )}
        </section>
      )}
      {order.status === "accepted" && <ShipForm order={order} onShipped={changed} />}
      {mayHaveReviews(order.status) && <OrderReviews orderId={order.id} userId={userId} />}

      <div className="grid gap-8 md:grid-cols-2">
        <section aria-labelledby="works-heading" className="rounded-lg border border-stone-200 bg-white p-5">
          <h2 id="works-heading" className="font-serif text-xl">
            Works
          </h2>
          <div className="mt-2">
            <OrderLines order={order} />
          </div>
          <div className="mt-4 border-t border-stone-200 pt-3">
            <OrderMoney order={order} viewer="artist" />
          </div>
        </section>
        <div className="flex flex-col gap-8">
          <section aria-labelledby="delivery-heading" className="rounded-lg border border-stone-200 bg-white p-5">
            <h2 id="delivery-heading" className="font-serif text-xl">
              {order.shipping_method === "collection" ? "Collection" : "Deliver to"}
            </h2>
            <div className="mt-2">
              <ShippingSummary order={order} />
            </div>
          </section>
          <section aria-labelledby="deadlines-heading" className="rounded-lg border border-stone-200 bg-white p-5">
            <h2 id="deadlines-heading" className="font-serif text-xl">
              Deadlines
            </h2>
            <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-6 gap-y-1.5 text-sm">
              {deadlines
                .filter((entry): entry is [string, string] => Boolean(entry[1]))
                .map(([label, at]) => (
                  <div key={label} className="contents">
                    <dt className="text-stone-600">{label}</dt>
                    <dd>
                      <time dateTime={at}>{formatDateTime(at)}</time>
                    </dd>
                  </div>
                ))}
            </dl>
            {deadlines.every(([, at]) => !at) && <p className="mt-2 text-sm text-stone-600">No deadline is running.</p>}
          </section>
        </div>
      </div>

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading" className="mb-4 font-serif text-xl">
          Timeline
        </h2>
        <OrderTimeline order={order} viewer="artist" />
      </section>
    </div>
  );
}

function DeclineButton({ id, onDeclined }: { id: string; onDeclined: (order: Order) => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const reasonId = useId();
  const decline = useMutation({
    mutationFn: () =>
      call(() => api.POST("/api/me/sales/{id}/decline", { params: { path: { id } }, body: reason.trim() ? { reason: reason.trim() } : {} })),
    onSuccess: (order) => {
      setOpen(false);
      onDeclined(order);
    },
  });
  return (
    <>
      <button type="button" className="btn-secondary" onClick={() => setOpen(true)}>
        Decline
      </button>
      <ConfirmDialog
        open={open}
        title="Decline this order?"
        confirmLabel="Decline order"
        pending={decline.isPending}
        error={decline.isError ? describeError(decline.error) : null}
        onConfirm={() => decline.mutate()}
        onCancel={() => {
          setOpen(false);
          decline.reset();
        }}
      >
        <p>The buyer is not charged and the works go back on sale.</p>
        <label htmlFor={reasonId} className="field-label mt-4">
          Reason for the buyer (optional)
        </label>
        <textarea id={reasonId} value={reason} maxLength={500} rows={2} onChange={(e) => setReason(e.target.value)} className="field-input" />
      </ConfirmDialog>
    </>
  );
}

function ShipForm({ order, onShipped }: { order: Order; onShipped: (order: Order) => void }) {
  const collection = order.shipping_method === "collection";
  const [carrier, setCarrier] = useState("");
  const [tracking, setTracking] = useState("");
  const [local, setLocal] = useState<Record<string, string>>({});
  const ship = useMutation({
    mutationFn: () =>
      call(() =>
        api.POST("/api/me/sales/{id}/ship", {
          params: { path: { id: order.id } },
          body: { carrier: carrier.trim(), ...(tracking.trim() ? { tracking_number: tracking.trim() } : {}) },
        }),
      ),
    onSuccess: onShipped,
  });
  const errors = { ...fieldMessages(ship.error), ...local };
  const placed = ["carrier", "tracking_number"];
  const alert =
    ship.error && !(ship.error instanceof ApiError && Object.keys(ship.error.fieldErrors).some((f) => placed.includes(f)))
      ? describeError(ship.error)
      : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!collection && !carrier.trim()) problems.carrier = "Name the carrier.";
    if (!collection && !tracking.trim()) problems.tracking_number = "Give the tracking number the carrier gave you.";
    setLocal(problems);
    if (Object.keys(problems).length === 0) ship.mutate();
  }

  return (
    <section aria-labelledby="ship-heading" className="rounded-lg border border-sky-300 bg-sky-50 p-5">
      <h2 id="ship-heading" className="font-serif text-xl">
        {collection ? "Hand the works over" : "Ship this order"}
      </h2>
      {order.deadlines.ship_by && (
        <p className="mt-1 text-sm text-sky-950">
          {collection ? "Hand over" : "Ship"} by <time dateTime={order.deadlines.ship_by}>{formatDateTime(order.deadlines.ship_by)}</time> (
          {relativeTo(order.deadlines.ship_by)}), or the order is cancelled and refunded.
        </p>
      )}
      <form onSubmit={submit} noValidate className="mt-4 flex max-w-md flex-col gap-4">
        <FormAlert message={alert} />
        <Field label={collection ? "Handed over by (optional)" : "Carrier"} error={errors.carrier}>
          {(control) => (
            <input {...control} value={carrier} maxLength={80} autoComplete="off" onChange={(e) => setCarrier(e.target.value)} className="field-input" />
          )}
        </Field>
        {!collection && (
          <Field label="Tracking number" error={errors.tracking_number}>
            {(control) => (
              <input {...control} value={tracking} maxLength={80} autoComplete="off" onChange={(e) => setTracking(e.target.value)} className="field-input" />
            )}
          </Field>
        )}
        <button type="submit" className="btn-primary self-start" disabled={ship.isPending}>
          {ship.isPending ? "Saving…" : collection ? "Mark as handed over" : "Mark as shipped"}
        </button>
      </form>
    </section>
  );
}
