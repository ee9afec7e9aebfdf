"use client";

import { useSearchParams } from "next/navigation";

import { OfferList } from "@/components/OfferList";
import { RequireSession } from "@/components/RequireSession";

import { OfferThread } from "./OfferThread";

/** A collector's offers, or one negotiation (`?id=`) for either of its parties. */
export function OffersPage() {
  const id = useSearchParams().get("id");
  return (
    <RequireSession reason="Sign in to see your offers.">
      {(user) =>
        id ? (
          <OfferThread id={id} user={user} />
        ) : (
          <div className="mx-auto flex max-w-4xl flex-col gap-8">
            <div>
              <h1 className="font-serif text-3xl">Your offers</h1>
              <p className="mt-1 max-w-2xl text-stone-600">
                Offers you made on works, and the artists&apos; answers. If an artist accepts, your saved card is charged
                at once and the order appears in your orders.
              </p>
            </div>
            <OfferList role="buyer" userId={user.id} />
          </div>
        )
      }
    </RequireSession>
  );
}
