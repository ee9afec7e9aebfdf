import Link from "next/link";
import type { ReactNode } from "react";

import { ApiError, describeError } from "@/lib/api/problem";

type Props = {
  title: string;
  children?: ReactNode;
  /** Where to go from here, the usual way on; `action` for anything else. */
  link?: { href: string; label: string; secondary?: boolean };
  action?: ReactNode;
};

/** An empty or error state: what happened and what the person can do next. */
export function StateMessage({ title, children, link, action }: Props) {
  const next = link ? (
    <Link href={link.href} className={link.secondary ? "btn-secondary" : "btn-primary"}>
      {link.label}
    </Link>
  ) : (
    action
  );
  return (
    <div className="mx-auto my-16 max-w-md text-center">
      <h2 className="text-lg font-semibold text-stone-900">{title}</h2>
      {children && <div className="mt-2 text-stone-600">{children}</div>}
      {next && <div className="mt-6">{next}</div>}
    </div>
  );
}

/** The error state for a failed query, with a retry. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const offline = error instanceof ApiError && error.isOffline;
  return (
    <div role="alert">
      <StateMessage
        title={offline ? "Atelier is unreachable" : "Something went wrong"}
        action={
          onRetry && (
            <button type="button" className="btn-secondary" onClick={onRetry}>
              Try again
            </button>
          )
        }
      >
        <p>{describeError(error)}</p>
      </StateMessage>
    </div>
  );
}
