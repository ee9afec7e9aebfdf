"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";

import { LoadMore } from "@/components/ArtworkGrid";
import { Field, FormAlert } from "@/components/Field";
import { OrderLines, OrderMoney, OrderStatusBadge, OrderTimeline } from "@/components/OrderParts";
import { PageSkeleton } from "@/components/PageSkeleton";
import { RequireSession } from "@/components/RequireSession";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { formatMoney, parseMajor, toMajor } from "@/lib/money";
import { type Order, type OrderStatus, STATUS_LABEL, formatDateTime, orderTitle } from "@/lib/orders";

import { ReviewReports } from "./ReviewReports";

const operationsKey = (status: OrderStatus | null) => ["operations", status] as const;

/** Statuses an operator is likely to look for first. */
const FILTERS: (OrderStatus | "")[] = ["disputed", "paid", "accepted", "shipped", "received", "completed", "refunded", ""];

export function Operations() {
  return (
    <RequireSession reason="Sign in with an operator account to handle orders.">
      {(user) =>
        user.role === "moderator" || user.role === "admin" ? (
          <div className="flex flex-col gap-12">
            <div>
              <h1 className="font-serif text-3xl">Operations</h1>
              <p className="mt-1 text-stone-600">Reported reviews, disputed orders, refunds and cancellations.</p>
            </div>
            <ReviewReports />
            <OrderDesk />
          </div>
        ) : (
          <StateMessage title="Operations are for Atelier’s team" link={{ href: "/", label: "Back to Atelier", secondary: true }}>
            <p>Moderators and administrators handle reported reviews, disputes and refunds here.</p>
          </StateMessage>
        )
      }
    </RequireSession>
  );
}

function OrderDesk() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const raw = params.get("status");
  const status: OrderStatus | null = raw === "all" ? null : ((raw as OrderStatus | null) ?? "disputed");
  const filterId = useId();
  const headingId = useId();
  const orders = useInfiniteQuery({
    queryKey: operationsKey(status),
    queryFn: ({ pageParam, signal }) =>
      call(() =>
        api.GET("/api/admin/orders", {
          params: { query: { ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
  const items = orders.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby={headingId} className="flex flex-col gap-8">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 id={headingId} className="font-serif text-2xl">
            Orders
          </h2>
          <p className="mt-1 text-stone-600">Disputed orders, refunds and cancellations.</p>
        </div>
        <div>
          <label htmlFor={filterId} className="field-label">
            Show
          </label>
          <select
            id={filterId}
            value={status ?? ""}
            onChange={(e) => router.replace(`${pathname}?status=${e.target.value || "all"}`)}
            className="field-input"
          >
            {FILTERS.map((value) => (
              <option key={value || "all"} value={value}>
                {value ? STATUS_LABEL[value] : "All statuses"}
              </option>
            ))}
          </select>
        </div>
      </div>
      {orders.isPending ? (
        <PageSkeleton label="Loading orders…">
          <div aria-hidden="true" className="h-48 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
        </PageSkeleton>
      ) : orders.isError ? (
        <ErrorState error={orders.error} onRetry={() => void orders.refetch()} />
      ) : items.length === 0 ? (
        <StateMessage title={status ? `No ${STATUS_LABEL[status].toLowerCase()} orders` : "No orders yet"}>
          <p>Nothing needs handling here right now.</p>
        </StateMessage>
      ) : (
        <>
          <ul aria-label="Orders" className="flex flex-col gap-4">
            {items.map((order) => (
              <OperatorOrder key={order.id} order={order} />
            ))}
          </ul>
          <LoadMore hasMore={orders.hasNextPage} loading={orders.isFetchingNextPage} onMore={() => void orders.fetchNextPage()} />
        </>
      )}
    </section>
  );
}

/** What is left of the captured payment to refund. */
function refundable(order: Order): Schemas["Money"] {
  return { ...order.captured, amount_minor: Math.max(0, order.captured.amount_minor - order.refunded.amount_minor) };
}

const REFUNDABLE: OrderStatus[] = ["accepted", "shipped", "received", "completed", "disputed"];

function OperatorOrder({ order }: { order: Order }) {
  const queryClient = useQueryClient();
  const headingId = useId();
  const [showTimeline, setShowTimeline] = useState(false);
  const done = () => void queryClient.invalidateQueries({ queryKey: ["operations"] });
  const resolve = useMutation({
    mutationFn: (outcome: Schemas["DisputeOutcome"]) =>
      call(() => api.POST("/api/admin/orders/{id}/dispute", { params: { path: { id: order.id } }, body: { outcome } })),
    onSuccess: done,
  });
  const cancel = useMutation({
    mutationFn: () => call(() => api.POST("/api/admin/orders/{id}/cancel", { params: { path: { id: order.id } }, body: {} })),
    onSuccess: done,
  });
  const left = refundable(order);
  const failure = resolve.error ?? cancel.error;

  return (
    <li aria-labelledby={headingId} className="rounded-lg border border-stone-200 bg-white p-5">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="font-medium">
          {orderTitle(order)}
        </h3>
        <OrderStatusBadge status={order.status} />
      </div>
      <p className="mt-1 text-sm text-stone-600">
        Order <span className="font-mono">{order.id}</span> · placed {formatDateTime(order.created_at)} · payment{" "}
        {order.payment_status.replace(/_/g, " ")} · captured {formatMoney(order.captured)}
      </p>
      <div className="mt-4 grid gap-6 md:grid-cols-2">
        <div>
          <OrderLines order={order} />
          <div className="mt-3 border-t border-stone-200 pt-3">
            <OrderMoney order={order} viewer="operator" />
          </div>
        </div>
        <div className="flex flex-col gap-4">
          {order.status === "disputed" && (
            <div>
              <p className="text-sm font-medium text-stone-800">The bank’s decision</p>
              <div className="mt-2 flex flex-wrap gap-3">
                <button type="button" className="btn-secondary" disabled={resolve.isPending} onClick={() => resolve.mutate("won")}>
                  Dispute won
                </button>
                <button type="button" className="btn-secondary" disabled={resolve.isPending} onClick={() => resolve.mutate("lost")}>
                  Dispute lost (refund)
                </button>
              </div>
            </div>
          )}
          {order.status === "paid" && (
            <button type="button" className="btn-secondary self-start" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
              Cancel order
            </button>
          )}
          {REFUNDABLE.includes(order.status) && left.amount_minor > 0 && <RefundForm order={order} left={left} onRefunded={done} />}
          {failure && (
            <p role="alert" className="text-sm text-red-700">
              {describeError(failure)}
            </p>
          )}
        </div>
      </div>
      <button
        type="button"
        aria-expanded={showTimeline}
        className="mt-4 text-sm text-stone-700 underline underline-offset-2"
        onClick={() => setShowTimeline((shown) => !shown)}
      >
        {showTimeline ? "Hide the timeline" : "Show the timeline"}
      </button>
      {showTimeline && (
        <div className="mt-3">
          <OrderTimeline order={order} viewer="operator" />
        </div>
      )}
    </li>
  );
}

function RefundForm({ order, left, onRefunded }: { order: Order; left: Schemas["Money"]; onRefunded: () => void }) {
  const [amount, setAmount] = useState(() => toMajor(left.amount_minor, left.exponent));
  const [reason, setReason] = useState("");
  const [local, setLocal] = useState<Record<string, string>>({});
  const refund = useMutation({
    mutationFn: (amountMinor: number) =>
      call(() =>
        api.POST("/api/admin/orders/{id}/refunds", {
          params: { path: { id: order.id } },
          body: { amount_minor: amountMinor, reason: reason.trim() },
        }),
      ),
    onSuccess: onRefunded,
  });
  const apiErrors = refund.error instanceof ApiError ? refund.error.fieldErrors : {};
  const errors = { ...apiErrors, ...local };
  const alert = refund.error && Object.keys(apiErrors).length === 0 ? describeError(refund.error) : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const minor = parseMajor(amount, left.exponent);
    if (minor === null || minor < 1) problems.amount_minor = `Enter an amount in ${left.currency}.`;
    else if (minor > left.amount_minor) problems.amount_minor = `At most ${formatMoney(left)} is left to refund.`;
    if (!reason.trim()) problems.reason = "Say why the order is refunded.";
    setLocal(problems);
    if (Object.keys(problems).length === 0 && minor !== null) refund.mutate(minor);
  }

  return (
    <form onSubmit={submit} noValidate className="flex flex-col gap-3 rounded-md border border-stone-200 p-4">
      <p className="text-sm font-medium text-stone-800">Refund</p>
      <FormAlert message={alert} />
      <Field label={`Amount (${left.currency})`} error={errors.amount_minor} help={`Up to ${formatMoney(left)}: what is left of the captured payment.`}>
        {(control) => (
          <input {...control} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} className="field-input" />
        )}
      </Field>
      <Field label="Reason" error={errors.reason}>
        {(control) => (
          <textarea {...control} rows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} className="field-input" />
        )}
      </Field>
      <button type="submit" className="btn-primary self-start" disabled={refund.isPending}>
        {refund.isPending ? "Refunding…" : "Refund"}
      </button>
    </form>
  );
}
