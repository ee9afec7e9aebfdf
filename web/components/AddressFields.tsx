"use client";

import { Field, readable, sentence } from "@/components/Field";
import { ApiError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { countryOptions } from "@/lib/countries";

export type AddressDraft = Schemas["Address"];
export type AddressErrors = Partial<Record<keyof AddressDraft, string>>;

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

/**
 * A shipping address's inputs, labelled as browsers' autofill expects, each
 * with the API's message for it. Used by the checkout and by offers.
 */
export function AddressFields({
  address,
  onAddress,
  errors,
}: {
  address: AddressDraft;
  onAddress: (address: AddressDraft) => void;
  errors: AddressErrors;
}) {
  const countries = countryOptions();
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
    <>
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
    </>
  );
}

/** The address as the API takes it: trimmed, the optional lines left out when empty. */
export function addressBody(address: AddressDraft): AddressDraft {
  return {
    name: address.name.trim(),
    line1: address.line1.trim(),
    city: address.city.trim(),
    country: address.country,
    ...(address.line2?.trim() ? { line2: address.line2.trim() } : {}),
    ...(address.postal_code?.trim() ? { postal_code: address.postal_code.trim() } : {}),
  };
}

/** Field messages by the address field they concern (`shipping_address.city` → `city`). */
export function addressErrors(error: unknown): AddressErrors {
  const byField: AddressErrors = {};
  if (!(error instanceof ApiError)) return byField;
  for (const e of error.problem.errors ?? []) {
    const field = e.field.replace(/^shipping_address\./, "") as keyof AddressDraft;
    if (field in LABELS && e.field.startsWith("shipping_address.")) byField[field] ??= e.message;
  }
  return byField;
}

/**
 * The API's field messages that no address input shows (`collect_from`,
 * `amount_minor` when a form has no such input …), as sentences; empty
 * when every one has its place. `placed` names the other fields the form shows.
 */
export function unplacedMessages(error: unknown, placed: readonly string[] = []): string[] {
  if (!(error instanceof ApiError)) return [];
  return (error.problem.errors ?? [])
    .filter((e) => !/^shipping_address\.\w+$/.test(e.field) && !placed.includes(e.field))
    .map((e) => (e.field && !e.field.includes(".") ? readable(e.field.replace(/_/g, " "), e.message) : sentence(e.message)));
}
