"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";

import { LoadMore } from "@/components/ArtworkGrid";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { OrderLines, OrderMoney, OrderStatusBadge, OrderTimeline, ShippingSummary } from "@/components/OrderParts";
import { OrderReviews } from "@/components/OrderReviews";
import { PageSkeleton } from "@/components/PageSkeleton";
import { PendingReviews } from "@/components/PendingReviews";
import { RequireSession } from "@/components/RequireSession";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import { formatMoney } from "@/lib/money";
import { BUYER_MEANING, type Order, buyerMayCancel, formatDate, formatDateTime, mayHaveReviews, orderTitle } from "@/lib/orders";

export const ordersKey = ["orders"] as const;
const orderKey = (id: string) => ["orders", id] as const;

export function OrdersPage() {
  const id = useSearchParams().get("id");
  return (
    <RequireSession reason="Sign in to see your orders.">
      {(user) => (id ? <OrderDetail id={id} userId={user.id} /> : <OrderHistory userId={user.id} />)}
    </RequireSession>
  );
}

function OrderHistory({ userId }: { userId: string }) {
  const orders = useInfiniteQuery({
    queryKey: ordersKey,
    queryFn: ({ pageParam, signal }) =>
      call(() => api.GET("/api/me/orders", { params: { query: pageParam ? { cursor: pageParam } : {} }, signal })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
  const items = orders.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-8">
      <div>
        <h1 className="font-serif text-3xl">Your orders</h1>
        <p className="mt-1 text-stone-600">Everything you bought, newest first.</p>
      </div>
      <PendingReviews side="buyer" userId={userId} />
      {orders.isPending ? (
        <PageSkeleton label="Loading your orders…">
          <div aria-hidden="true" className="space-y-3">
            {[0, 1, 2].map((i) => (
              <div key={i} className="h-20 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
            ))}
          </div>
        </PageSkeleton>
      ) : orders.isError ? (
        <ErrorState error={orders.error} onRetry={() => void orders.refetch()} />
      ) : items.length === 0 ? (
        <StateMessage title="No orders yet" link={{ href: "/search/", label: "Discover works" }}>
          <p>When you buy a work, its order and every step of its journey appear here.</p>
        </StateMessage>
      ) : (
        <>
          <ul aria-label="Orders" className="flex flex-col gap-3">
            {items.map((order) => (
              <OrderRow key={order.id} order={order} />
            ))}
          </ul>
          <LoadMore hasMore={orders.hasNextPage} loading={orders.isFetchingNextPage} onMore={() => void orders.fetchNextPage()} />
        </>
      )}
    </div>
  );
}

function OrderRow({ order }: { order: Order }) {
  return (
    <li className="relative flex flex-wrap items-center justify-between gap-3 rounded-lg border border-stone-200 bg-white p-4 focus-within:ring-2 focus-within:ring-stone-900 hover:border-stone-400">
      <div className="min-w-0">
        <h2 className="font-medium">
          <Link href={`/orders/?id=${order.id}`} className="after:absolute after:inset-0 focus-visible:outline-none">
            {orderTitle(order)}
          </Link>
        </h2>
        <p className="text-sm text-stone-600">
          Ordered <time dateTime={order.created_at}>{formatDate(order.created_at)}</time> · {formatMoney(order.total)}
        </p>
      </div>
      <OrderStatusBadge status={order.status} />
    </li>
  );
}

function OrderDetail({ id, userId }: { id: string; userId: string }) {
  const queryClient = useQueryClient();
  const order = useQuery({
    queryKey: orderKey(id),
    queryFn: ({ signal }) => call(() => api.GET("/api/me/orders/{id}", { params: { path: { id } }, signal })),
    staleTime: 0,
  });
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState("");
  const reasonId = useId();

  const changed = (next: Order) => {
    queryClient.setQueryData(orderKey(id), next);
    void queryClient.invalidateQueries({ queryKey: ordersKey, exact: true });
  };
  const cancel = useMutation({
    mutationFn: () => call(() => api.POST("/api/me/orders/{id}/cancel", { params: { path: { id } }, body: reason.trim() ? { reason: reason.trim() } : {} })),
    onSuccess: (next) => {
      changed(next);
      setCancelling(false);
    },
  });
  const received = useMutation({
    mutationFn: () => call(() => api.POST("/api/me/orders/{id}/received", { params: { path: { id } } })),
    onSuccess: changed,
  });

  if (order.isPending) {
    return (
      <PageSkeleton label="Loading the order…">
        <div aria-hidden="true" className="mx-auto max-w-4xl space-y-4">
          <div className="h-9 w-2/3 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-64 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        </div>
      </PageSkeleton>
    );
  }
  if (order.isError) {
    if (order.error instanceof ApiError && [400, 404, 422].includes(order.error.status)) {
      return (
        <StateMessage title="Order not found" link={{ href: "/orders/", label: "All your orders", secondary: true }}>
          <p>It may belong to another account, or the link may be mistyped.</p>
        </StateMessage>
      );
    }
    return <ErrorState error={order.error} onRetry={() => void order.refetch()} />;
  }

  const data = order.data;
  const actionError = received.error ?? null;
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-8">
      <div>
        <Link href="/orders/" className="text-sm text-stone-700 hover:underline">
          ← All orders
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-2">
          <h1 className="font-serif text-3xl">{orderTitle(data)}</h1>
          <OrderStatusBadge status={data.status} />
        </div>
        <p className="mt-1 text-stone-600">
          Ordered <time dateTime={data.created_at}>{formatDateTime(data.created_at)}</time>
        </p>
        <p role="status" className="mt-3 text-stone-800">
          {BUYER_MEANING[data.status]}
        </p>
        {data.status === "pending_payment" && (
          // A refused card or a closed tab leaves the works held in their
          // checkout, not in the cart: this is the way back to paying.
          <Link href={`/checkout/?id=${data.checkout_id}`} className="btn-primary mt-4 inline-block">
            Complete payment
          </Link>
        )}
      </div>

      {(data.status === "shipped" || buyerMayCancel(data.status)) && (
        <section aria-labelledby="actions-heading" className="rounded-lg border border-stone-200 bg-white p-5">
          <h2 id="actions-heading" className="font-serif text-xl">
            {data.status === "shipped" ? "Has it arrived?" : "Changed your mind?"}
          </h2>
          {data.status === "shipped" ? (
            <>
              <p className="mt-1 text-sm text-stone-600">
                Tell us once you have the works
                {data.deadlines.receive_by && (
                  <>
                    ; otherwise the order counts as received on{" "}
                    <time dateTime={data.deadlines.receive_by}>{formatDate(data.deadlines.receive_by)}</time>
                  </>
                )}
                .
              </p>
              <button type="button" className="btn-primary mt-4" disabled={received.isPending} onClick={() => received.mutate()}>
                {received.isPending ? "Saving…" : "I received it"}
              </button>
            </>
          ) : (
            <>
              <p className="mt-1 text-sm text-stone-600">
                You can cancel until the artist accepts the order. Any hold on your card is released.
              </p>
              <button type="button" className="btn-secondary mt-4" onClick={() => setCancelling(true)}>
                Cancel order
              </button>
            </>
          )}
          {actionError && (
            <p role="alert" className="mt-3 text-sm text-red-700">
              {describeError(actionError)}
            </p>
          )}
        </section>
      )}

      {mayHaveReviews(data.status) && <OrderReviews orderId={data.id} userId={userId} />}

      <div className="grid gap-8 md:grid-cols-2">
        <section aria-labelledby="works-heading" className="rounded-lg border border-stone-200 bg-white p-5">
          <h2 id="works-heading" className="font-serif text-xl">
            Works
          </h2>
          <div className="mt-2">
            <OrderLines order={data} />
          </div>
          <div className="mt-4 border-t border-stone-200 pt-3">
            <OrderMoney order={data} viewer="buyer" />
          </div>
        </section>
        <section aria-labelledby="delivery-heading" className="rounded-lg border border-stone-200 bg-white p-5">
          <h2 id="delivery-heading" className="font-serif text-xl">
            {data.shipping_method === "collection" ? "Collection" : "Delivery"}
          </h2>
          <div className="mt-2">
            <ShippingSummary order={data} />
          </div>
        </section>
      </div>

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading" className="mb-4 font-serif text-xl">
          Timeline
        </h2>
        <OrderTimeline order={data} viewer="buyer" />
      </section>

      <ConfirmDialog
        open={cancelling}
        title="Cancel this order?"
        confirmLabel="Yes, cancel it"
        pending={cancel.isPending}
        error={cancel.isError ? describeError(cancel.error) : null}
        onConfirm={() => cancel.mutate()}
        onCancel={() => {
          setCancelling(false);
          cancel.reset();
        }}
      >
        <p>The works go back on sale and any hold on your card is released.</p>
        <label htmlFor={reasonId} className="field-label mt-4">
          Reason (optional)
        </label>
        <textarea
          id={reasonId}
          value={reason}
          maxLength={500}
          rows={2}
          onChange={(e) => setReason(e.target.value)}
          className="field-input"
        />
      </ConfirmDialog>
    </div>
  );
}
