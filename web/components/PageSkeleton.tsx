import type { ReactNode } from "react";

/**
 * A page's shape while it loads. Assistive technology hears `label`; the
 * shapes inside should be aria-hidden.
 */
export function PageSkeleton({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div aria-busy="true">
      <p role="status" className="sr-only">
        {label}
      </p>
      {children}
    </div>
  );
}
