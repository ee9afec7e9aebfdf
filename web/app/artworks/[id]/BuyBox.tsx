"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Field, fieldMessages, sentence } from "@/components/Field";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { MAX_COPIES, cartKey, putCartItem, useCart } from "@/lib/cart";
import { useRequireSignIn } from "@/lib/signin";
import { useSession } from "@/lib/session";

type Artwork = Schemas["ArtworkView"];

/** Whether the work can be bought now, and in how many copies at most. */
export function availability(artwork: Pick<Artwork, "status" | "edition" | "held_for_review">): {
  label: string;
  buyable: boolean;
  max: number;
} {
  const { status, edition } = artwork;
  if (status === "sold") return { label: "Sold", buyable: false, max: 0 };
  if (status === "reserved") return { label: "Reserved", buyable: false, max: 0 };
  if (status !== "published" || artwork.held_for_review) return { label: "Not for sale", buyable: false, max: 0 };
  switch (edition.kind) {
    case "unique":
      return { label: "Available", buyable: true, max: 1 };
    case "open":
      return { label: "Available", buyable: true, max: MAX_COPIES };
    case "limited":
      return edition.available > 0
        ? { label: `${edition.available} of ${edition.size} left`, buyable: true, max: Math.min(edition.available, MAX_COPIES) }
        : { label: "Sold out", buyable: false, max: 0 };
  }
}

/**
 * Availability, read live from the API (the page refreshes the work while it
 * is open), and the way to buy: a quantity for editions, Buy now (to the
 * cart) and Add to cart (staying here). Visitors are sent to sign in and
 * brought back.
 */
export function BuyBox({ artwork }: { artwork: Artwork }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const requireSignIn = useRequireSignIn();
  const user = useSession((s) => (s.status === "signed-in" ? s.user : null));
  const cart = useCart();
  const inCart = cart.data?.groups.flatMap((group) => group.lines).find((line) => line.artwork_id === artwork.id);
  const { label, buyable, max } = availability(artwork);
  const [chosen, setChosen] = useState<number | null>(null);
  const quantity = Math.min(chosen ?? inCart?.quantity ?? 1, Math.max(max, 1));
  const [added, setAdded] = useState(false);

  const add = useMutation({
    mutationFn: (copies: number) => putCartItem(artwork.id, copies),
    onSuccess: (next) => queryClient.setQueryData(cartKey(user?.id ?? null), next),
    // Whatever the answer, the work's availability may have changed.
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["artwork", artwork.id] }),
  });

  async function buy(thenCart: boolean) {
    setAdded(false);
    add.reset();
    if (!(await requireSignIn())) return;
    try {
      await add.mutateAsync(quantity);
    } catch {
      return;
    }
    if (thenCart) router.push("/cart/");
    else setAdded(true);
  }

  const own = user?.artist_id != null && user.artist_id === artwork.artist.id;
  const fields = fieldMessages(add.error);
  const failure = add.error && !fields.quantity ? problemText(add.error) : null;
  const edition = artwork.edition.kind !== "unique";

  return (
    <section aria-labelledby="buy-heading" className="flex flex-col gap-3">
      <h2 id="buy-heading" className="sr-only">
        Buy
      </h2>
      <p className="flex items-center gap-2 text-sm font-medium text-stone-800" aria-live="polite">
        <span
          aria-hidden="true"
          className={`inline-block h-2 w-2 rounded-full ${buyable ? "bg-emerald-600" : "bg-stone-400"}`}
        />
        {label}
      </p>

      {own ? (
        <p className="text-sm text-stone-600">This is your work.</p>
      ) : (
        buyable && (
          <div className="flex flex-wrap items-end gap-3">
            {edition && (
              <Field label="Quantity" error={fields.quantity} className="w-28">
                {(control) => (
                  <select
                    {...control}
                    value={quantity}
                    onChange={(e) => setChosen(Number(e.target.value))}
                    className="field-input"
                  >
                    {Array.from({ length: max }, (_, i) => i + 1).map((n) => (
                      <option key={n} value={n}>
                        {n}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            <button type="button" className="btn-primary" disabled={add.isPending} onClick={() => void buy(true)}>
              Buy now
            </button>
            <button type="button" className="btn-secondary" disabled={add.isPending} onClick={() => void buy(false)}>
              {inCart ? "Update cart" : "Add to cart"}
            </button>
          </div>
        )
      )}

      <div role="status" className="text-sm empty:hidden">
        {added && !add.isPending && (
          <p className="text-stone-800">
            {edition ? `${quantity} in your cart.` : "In your cart."}{" "}
            <Link href="/cart/" className="font-medium underline underline-offset-2">
              View cart
            </Link>
          </p>
        )}
        {!added && inCart && !own && (
          <p className="text-stone-600">
            {edition ? `You have ${inCart.quantity} in your cart.` : "This work is in your cart."}{" "}
            <Link href="/cart/" className="font-medium text-stone-900 underline underline-offset-2">
              View cart
            </Link>
          </p>
        )}
      </div>
      {failure && (
        <p role="alert" className="text-sm text-red-700">
          {failure}
        </p>
      )}
    </section>
  );
}

function problemText(error: unknown): string {
  if (error instanceof ApiError && error.problem.errors?.length) {
    return sentence(error.problem.errors.map((e) => e.message).join("; "));
  }
  return sentence(describeError(error));
}
