import { Field } from "@/components/Field";
import { formatMoney } from "@/lib/money";
import {
  MAX_NOTE_CHARS,
  NEGOTIATION_STATUS_LABEL,
  NEGOTIATION_TONE,
  OFFER_STATUS_LABEL,
  OFFER_TONE,
  type Negotiation,
  type NegotiationStatus,
  type OfferStatus,
  madeBy,
} from "@/lib/offers";
import { messageLength } from "@/lib/messages";
import { formatDateTime } from "@/lib/orders";

const TONE_CLASS = {
  waiting: "bg-amber-50 text-amber-900 ring-amber-300",
  done: "bg-emerald-50 text-emerald-900 ring-emerald-300",
  ended: "bg-stone-100 text-stone-800 ring-stone-300",
} as const;

const badge = "inline-block rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset";

export function NegotiationStatusBadge({ status }: { status: NegotiationStatus }) {
  return <span className={`${badge} ${TONE_CLASS[NEGOTIATION_TONE[status]]}`}>{NEGOTIATION_STATUS_LABEL[status]}</span>;
}

export function OfferStatusBadge({ status }: { status: OfferStatus }) {
  return <span className={`${badge} ${TONE_CLASS[OFFER_TONE[status]]}`}>{OFFER_STATUS_LABEL[status]}</span>;
}

/** Every offer of a negotiation, oldest first: who offered how much, their note, and how it ended. */
export function OfferHistory({ negotiation }: { negotiation: Negotiation }) {
  return (
    <ol aria-label="Offers" className="relative ml-2 border-l border-stone-300">
      {negotiation.offers.map((offer, index) => {
        const last = index === negotiation.offers.length - 1;
        return (
          <li key={offer.id} className="relative pb-6 pl-6 last:pb-0">
            <span
              aria-hidden="true"
              className={`absolute top-2 -left-[5px] h-2.5 w-2.5 rounded-full ${last ? "bg-stone-900" : "bg-stone-400"}`}
            />
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
              <p className="font-medium text-stone-900">
                {madeBy(negotiation, offer)} {index === 0 ? "offered" : offer.party === negotiation.offers[index - 1]?.party ? "changed it to" : "countered with"}{" "}
                <span className="tabular-nums">{formatMoney(offer.amount)}</span>
              </p>
              <OfferStatusBadge status={offer.status} />
            </div>
            <p className="text-sm text-stone-600">
              <time dateTime={offer.created_at}>{formatDateTime(offer.created_at)}</time>
              {offer.decided_at && offer.status !== "pending" && (
                <>
                  {" "}
                  · {OFFER_STATUS_LABEL[offer.status].toLowerCase()} <time dateTime={offer.decided_at}>{formatDateTime(offer.decided_at)}</time>
                </>
              )}
            </p>
            {offer.note && <p className="mt-1 text-sm break-words whitespace-pre-wrap text-stone-800">“{offer.note}”</p>}
            {offer.reason && <p className="mt-1 text-sm break-words whitespace-pre-wrap text-stone-700">{offer.reason}</p>}
          </li>
        );
      })}
    </ol>
  );
}

type AmountProps = {
  label: string;
  currency: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  help?: string;
};

/** An amount in major units of the work's currency, as the offer forms take it. */
export function AmountField({ label, currency, value, onChange, error, help }: AmountProps) {
  return (
    <Field label={`${label} (${currency})`} error={error} help={help}>
      {(control) => (
        <input
          {...control}
          name="amount"
          inputMode="decimal"
          autoComplete="off"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          className="field-input tabular-nums"
        />
      )}
    </Field>
  );
}

/** A note or reason of at most 1,000 characters, with its count. */
export function NoteField({
  label,
  value,
  onChange,
  error,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
}) {
  const length = messageLength(value);
  return (
    <Field
      label={label}
      error={error}
      help={
        <span className={length > MAX_NOTE_CHARS ? "text-red-700" : undefined}>
          {length.toLocaleString()} / {MAX_NOTE_CHARS.toLocaleString()} characters
        </span>
      }
    >
      {(control) => (
        <textarea {...control} rows={3} value={value} onChange={(e) => onChange(e.target.value)} className="field-input resize-y" />
      )}
    </Field>
  );
}
