"use client";

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
            link={{ href: "/collection/", label: "Go to your collection", secondary: true }}
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
      link={{ href: "/studio/", label: "Go to the studio" }}
    >
      <p>Collectors see your works under your artist profile.</p>
    </StateMessage>
  );
}
