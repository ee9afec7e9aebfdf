"use client";

import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";

import { Field, FormAlert, readable, sentence } from "@/components/Field";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { newIdempotencyKey } from "@/lib/checkout";
import { countryOptions } from "@/lib/countries";
import { type Money, formatMoney } from "@/lib/money";

export type AddressDraft = Schemas["Address"];

export const emptyAddress: AddressDraft = { name: "", line1: "", line2: "", city: "", postal_code: "", country: "" };

const LABELS: Record<keyof AddressDraft, string> = {
  name: "Full name",
  line1: "Address",
  line2: "Address line 2 (optional)",
  city: "Town or city",
  postal_code: "Postcode (optional)",
  country: "Country",
};

const AUTOCOMPLETE: Record<keyof AddressDraft, string> = {
  name: "shipping name",
  line1: "shipping address-line1",
  line2: "shipping address-line2",
  city: "shipping address-level2",
  postal_code: "shipping postal-code",
  country: "shipping country",
};

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
  const countries = countryOptions();
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

  const errors = fieldErrors(checkout.error);
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
      shipping_address: {
        name: address.name.trim(),
        line1: address.line1.trim(),
        city: address.city.trim(),
        country: address.country,
        ...(address.line2?.trim() ? { line2: address.line2.trim() } : {}),
        ...(address.postal_code?.trim() ? { postal_code: address.postal_code.trim() } : {}),
      },
      collect_from: collectFrom,
    };
    checkout.mutate(body);
  }

  const set = (field: keyof AddressDraft) => (value: string) => onAddress({ ...address, [field]: value });
  const text = (field: Exclude<keyof AddressDraft, "country">, required: boolean) => (
    <Field label={LABELS[field]} error={errors[field]}>
      {(control) => (
        <input
          {...control}
          name={field}
          autoComplete={AUTOCOMPLETE[field]}
          required={required}
          maxLength={field === "postal_code" ? 20 : field === "name" || field === "city" ? 120 : 200}
          value={address[field] ?? ""}
          onChange={(e) => set(field)(e.target.value)}
          className="field-input"
        />
      )}
    </Field>
  );

  return (
    <form onSubmit={submit} noValidate aria-labelledby="address-heading" className="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-5">
      <h2 id="address-heading" className="font-serif text-xl">
        Shipping address
      </h2>
      <p className="-mt-2 text-sm text-stone-600">Where deliveries go, and the billing name for collections.</p>
      {text("name", true)}
      {text("line1", true)}
      {text("line2", false)}
      {text("city", true)}
      {text("postal_code", false)}
      <Field label={LABELS.country} error={errors.country}>
        {(control) => (
          <select
            {...control}
            name="country"
            autoComplete={AUTOCOMPLETE.country}
            required
            value={address.country}
            onChange={(e) => set("country")(e.target.value)}
            className="field-input"
          >
            <option value="">Choose a country</option>
            {countries.map(({ code, name }) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        )}
      </Field>
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

/** Field messages by the address field they concern (`shipping_address.city` → `city`). */
function fieldErrors(error: unknown): Partial<Record<keyof AddressDraft, string>> {
  const byField: Partial<Record<keyof AddressDraft, string>> = {};
  if (!(error instanceof ApiError)) return byField;
  for (const e of error.problem.errors ?? []) {
    const field = e.field.replace(/^shipping_address\./, "") as keyof AddressDraft;
    if (field in LABELS && e.field.startsWith("shipping_address.")) byField[field] ??= e.message;
  }
  return byField;
}

/** What the form says as a whole: a blocker, or the API's refusal when no field shows it. */
function blockedMessage(blocker: string | null, error: unknown): string | null {
  if (blocker) return blocker;
  if (!error) return null;
  if (error instanceof ApiError) {
    const unplaced = (error.problem.errors ?? []).filter((e) => !/^shipping_address\.\w+$/.test(e.field));
    if (error.status === 422 && (error.problem.errors ?? []).length > 0) {
      if (unplaced.length === 0) return "Please correct the fields marked above.";
      return unplaced.map((e) => (e.field && !e.field.includes(".") ? readable(e.field.replace(/_/g, " "), e.message) : sentence(e.message))).join(" ");
    }
    if (error.status === 429) return `${error.message} Please wait a moment before trying again.`;
  }
  return describeError(error);
}
