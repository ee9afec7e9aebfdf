"use client";

import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";

import { type AddressDraft, AddressFields, addressBody, addressErrors, unplacedMessages } from "@/components/AddressFields";
import { FormAlert } from "@/components/Field";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { newIdempotencyKey } from "@/lib/checkout";
import { type Money, formatMoney } from "@/lib/money";

type Props = {
  address: AddressDraft;
  onAddress: (address: AddressDraft) => void;
  /** Artists whose works the buyer collects in person. */
  collectFrom: string[];
  /** Why the cart cannot be checked out as it stands. */
  blockers: string[];
  total: Money | null;
};

/**
 * The shipping address and the checkout itself. Each distinct request gets a
 * fresh Idempotency-Key; sending the same request again (after a lost answer
 * or a refusal) sends the same key, so it can never make two checkouts.
 */
export function CheckoutForm({ address, onAddress, collectFrom, blockers, total }: Props) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const sent = useRef<{ body: string; key: string } | null>(null);
  const [blocked, setBlocked] = useState<string | null>(null);

  const checkout = useMutation({
    mutationFn: (body: Schemas["CheckoutRequest"]) => {
      const text = JSON.stringify(body);
      if (sent.current?.body !== text) sent.current = { body: text, key: newIdempotencyKey() };
      const key = sent.current.key;
      return call(() => api.POST("/api/checkout", { body, params: { header: { "Idempotency-Key": key } } }));
    },
    onSuccess: (view) => {
      queryClient.setQueryData(["checkout", view.id], view);
      void queryClient.invalidateQueries({ queryKey: ["cart"] });
      router.push(`/checkout/?id=${view.id}`);
    },
    onError: (error) => {
      // A work was sold or changed meanwhile: the cart shows what is true now.
      if (error instanceof ApiError && error.status === 409) void queryClient.invalidateQueries({ queryKey: ["cart"] });
    },
  });

  const errors = addressErrors(checkout.error);
  // A blocker the buyer has since dealt with is no longer said.
  const alert = blockedMessage(blocked && blockers.includes(blocked) ? blocked : null, checkout.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    const blocker = blockers[0] ?? null;
    setBlocked(blocker);
    if (blocker) {
      checkout.reset();
      return;
    }
    const body: Schemas["CheckoutRequest"] = {
      shipping_address: addressBody(address),
      collect_from: collectFrom,
    };
    checkout.mutate(body);
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby="address-heading" className="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-5">
      <h2 id="address-heading" className="font-serif text-xl">
        Shipping address
      </h2>
      <p className="-mt-2 text-sm text-stone-600">Where deliveries go, and the billing name for collections.</p>
      <AddressFields address={address} onAddress={onAddress} errors={errors} />
      <FormAlert message={alert} />
      <button type="submit" className="btn-primary" disabled={checkout.isPending}>
        {checkout.isPending ? "Holding your works…" : total ? `Continue to payment · ${formatMoney(total)}` : "Continue to payment"}
      </button>
      <p className="text-xs text-stone-600">
        The works are held for you while you pay. Your card is charged only for the orders the artists accept.
      </p>
    </form>
  );
}

/** What the form says as a whole: a blocker, or the API's refusal when no field shows it. */
function blockedMessage(blocker: string | null, error: unknown): string | null {
  if (blocker) return blocker;
  if (!error) return null;
  if (error instanceof ApiError) {
    const unplaced = unplacedMessages(error);
    if (error.status === 422 && (error.problem.errors ?? []).length > 0) {
      if (unplaced.length === 0) return "Please correct the fields marked above.";
      return unplaced.join(" ");
    }
    if (error.status === 429) return `${error.message} Please wait a moment before trying again.`;
  }
  return describeError(error);
}
