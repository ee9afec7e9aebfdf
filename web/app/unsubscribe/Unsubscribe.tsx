"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useMutation } from "@tanstack/react-query";

import { StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";

/**
 * Where the link at the foot of a notification e-mail leads. Nothing
 * changes until the button is pressed: mail scanners open links, and must
 * not unsubscribe anyone by doing so.
 */
export function Unsubscribe() {
  const token = useSearchParams().get("token") ?? "";
  const stop = useMutation({
    mutationFn: () => call(() => api.POST("/api/me/notifications/unsubscribe", { params: { query: { token } } })),
  });

  if (stop.isSuccess) {
    return (
      <div role="status">
        <StateMessage title="No more notification e-mails" link={{ href: "/notifications/", label: "Choose kind by kind" }}>
          <p>The app still tells you what happens. You can turn e-mails back on for the kinds you want.</p>
        </StateMessage>
      </div>
    );
  }
  return (
    <div className="mx-auto my-16 max-w-md text-center">
      <h1 className="font-serif text-3xl">Stop notification e-mails?</h1>
      <p className="mt-2 text-stone-600">
        You will no longer get e-mails about orders, messages, offers and the rest. Mail about your account itself, such
        as password resets, still comes.
      </p>
      {stop.isError && (
        <p role="alert" className="mt-4 text-red-700">
          {describeError(stop.error)}
        </p>
      )}
      <div className="mt-6 flex justify-center gap-3">
        <button type="button" className="btn-primary" disabled={!token || stop.isPending} onClick={() => stop.mutate()}>
          {stop.isPending ? "Stopping…" : "Stop notification e-mails"}
        </button>
        <Link href="/" className="btn-secondary">
          Keep them
        </Link>
      </div>
    </div>
  );
}
