"use client";

import { OfferList } from "@/components/OfferList";

import { NeedsProfile, StudioGate } from "../StudioGate";
import { StudioNav } from "../StudioNav";

/** Collectors' offers on the artist's works, those awaiting the artist's answer first. */
export function StudioOffers() {
  return (
    <StudioGate>
      {(user) =>
        !user.artist_id ? (
          <NeedsProfile />
        ) : (
          <div className="flex flex-col gap-8">
            <StudioNav />
            <div>
              <h1 className="font-serif text-3xl">Offers</h1>
              <p className="mt-1 max-w-2xl text-stone-600">
                Accept, counter or decline each offer before it expires. Accepting charges the collector&apos;s saved card at
                once and places the order, accepted by you: then ship it from Sales.
              </p>
            </div>
            <OfferList role="artist" userId={user.id} />
          </div>
        )
      }
    </StudioGate>
  );
}
