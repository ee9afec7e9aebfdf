"use client";

import Link from "next/link";
import type { ReactNode } from "react";

import { RequireSession } from "@/components/RequireSession";
import { StateMessage } from "@/components/StateMessage";
import type { User } from "@/lib/api/types";

/** The studio is for artist accounts; others are told so rather than shown errors. */
export function StudioGate({ children }: { children: (user: User) => ReactNode }) {
  return (
    <RequireSession reason="Sign in with your artist account to list and manage your works.">
      {(user) =>
        user.role === "artist" || user.role === "admin" ? (
          children(user)
        ) : (
          <StateMessage
            title="The studio is for artists"
            action={
              <Link href="/collection/" className="btn-secondary">
                Go to your collection
              </Link>
            }
          >
            <p>Your account is a collector account. To sell your work, join again as an artist.</p>
          </StateMessage>
        )
      }
    </RequireSession>
  );
}

/** An artist who has not made a profile yet is sent to make one first. */
export function NeedsProfile() {
  return (
    <StateMessage
      title="Create your artist profile first"
      action={
        <Link href="/studio/" className="btn-primary">
          Go to the studio
        </Link>
      }
    >
      <p>Collectors see your works under your artist profile.</p>
    </StateMessage>
  );
}
