"use client";

import Link from "next/link";
import { useSyncExternalStore, type ReactNode } from "react";

import type { User } from "@/lib/api/types";
import { useSession } from "@/lib/session";

import { StateMessage } from "./StateMessage";

type Props = {
  /** Why this page needs an account, shown to signed-out visitors. */
  reason: string;
  children: (user: User) => ReactNode;
};

/**
 * Renders its children only for a signed-in visitor. While the session is
 * being restored from the refresh cookie nothing is shown (a sign-in prompt
 * flashing for a signed-in collector would be worse than a blank moment).
 */
export function RequireSession({ reason, children }: Props) {
  const { status, user } = useSession();
  const here = useCurrentPath();

  if (status === "restoring") {
    return <div aria-busy="true" aria-live="polite" className="min-h-[50vh]" />;
  }
  if (status === "signed-out" || !user) {
    return (
      <StateMessage
        title="Sign in to continue"
        action={
          <div className="flex flex-wrap justify-center gap-3">
            <Link href={`/signin/?next=${encodeURIComponent(here)}`} className="btn-primary">
              Sign in
            </Link>
            <Link href={`/signup/?next=${encodeURIComponent(here)}`} className="btn-secondary">
              Create an account
            </Link>
          </div>
        }
      >
        <p>{reason}</p>
      </StateMessage>
    );
  }
  return <>{children(user)}</>;
}

const noSubscription = () => () => undefined;

function useCurrentPath(): string {
  return useSyncExternalStore(
    noSubscription,
    () => window.location.pathname + window.location.search,
    () => "/",
  );
}
