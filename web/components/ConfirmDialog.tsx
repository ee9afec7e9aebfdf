"use client";

import { m } from "framer-motion";
import { useEffect, useId, useRef, type ReactNode } from "react";

import { Motion } from "./Motion";

type Props = {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pending?: boolean;
  /** Shown inside the dialog when the action failed. */
  error?: string | null;
  /** "danger" (the default) for what is lost, "go" for what is agreed (accepting an offer). */
  tone?: "danger" | "go";
  onConfirm: () => void;
  onCancel: () => void;
};

/**
 * A modal question before something that cannot be undone. The native
 * dialog keeps focus inside, closes on Escape and makes the page behind it
 * inert.
 */
export function ConfirmDialog({ open, title, children, confirmLabel, pending, error, tone = "danger", onConfirm, onCancel }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const node = dialog.current;
    if (!node) return;
    if (open && !node.open) {
      if (typeof node.showModal === "function") node.showModal();
      else node.setAttribute("open", "");
    } else if (!open && node.open) {
      if (typeof node.close === "function") node.close();
      else node.removeAttribute("open");
    }
  }, [open]);

  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
      className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-lg bg-white p-6 text-stone-900 shadow-xl backdrop:bg-stone-900/50"
    >
      {open && (
        <Motion>
          <m.div initial={{ opacity: 0, scale: 0.96 }} animate={{ opacity: 1, scale: 1 }} transition={{ duration: 0.15 }}>
            <h2 id={titleId} className="font-serif text-xl">
              {title}
            </h2>
            <div className="mt-3 text-sm text-stone-700">{children}</div>
            {error && (
              <p role="alert" className="mt-3 text-sm text-red-800">
                {error}
              </p>
            )}
            <div className="mt-6 flex flex-wrap justify-end gap-3">
              <button type="button" className="btn-secondary" onClick={onCancel} autoFocus>
                Cancel
              </button>
              <button
                type="button"
                className={tone === "danger" ? "btn-primary bg-red-800 hover:bg-red-700" : "btn-primary"}
                onClick={onConfirm}
                disabled={pending}
              >
                {pending ? "Working…" : confirmLabel}
              </button>
            </div>
          </m.div>
        </Motion>
      )}
    </dialog>
  );
}
