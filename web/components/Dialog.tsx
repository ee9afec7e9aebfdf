"use client";

import { m } from "framer-motion";
import { useEffect, useId, useRef, type ReactNode, type RefObject } from "react";

import { Motion } from "./Motion";

type Props = {
  open: boolean;
  title: string;
  children: ReactNode;
  onClose: () => void;
  /** Where focus goes on closing when what opened the dialog is gone (the task changed the page). */
  fallbackFocus?: RefObject<HTMLElement | null>;
};

/**
 * A modal for a task of its own (making an offer). The native dialog keeps
 * focus inside, closes on Escape and makes the page behind it inert; focus
 * starts on the heading, so the task is read from its title, and goes back
 * to whatever opened the dialog when it closes (or, if the task replaced
 * it, to `fallbackFocus`).
 */
export function Dialog({ open, title, children, onClose, fallbackFocus }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();

  useEffect(() => {
    const node = dialog.current;
    if (!node) return;
    if (open && !node.open) {
      opener.current = document.activeElement;
      if (typeof node.showModal === "function") node.showModal();
      else node.setAttribute("open", "");
      heading.current?.focus();
    } else if (!open && node.open) {
      if (typeof node.close === "function") node.close();
      else node.removeAttribute("open");
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
      else fallbackFocus?.current?.focus();
      opener.current = null;
    }
  }, [open, fallbackFocus]);

  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      className="m-auto max-h-[calc(100dvh-2rem)] w-[min(36rem,calc(100vw-2rem))] overflow-y-auto rounded-lg bg-white p-0 text-stone-900 shadow-xl backdrop:bg-stone-900/50"
    >
      {open && (
        <Motion>
          <m.div initial={{ opacity: 0, scale: 0.97 }} animate={{ opacity: 1, scale: 1 }} transition={{ duration: 0.15 }} className="p-6">
            <div className="flex items-start justify-between gap-4">
              <h2 id={titleId} ref={heading} tabIndex={-1} className="font-serif text-2xl focus:outline-none">
                {title}
              </h2>
              <button type="button" className="btn-secondary shrink-0 px-3 py-1" onClick={onClose}>
                Close
              </button>
            </div>
            <div className="mt-4">{children}</div>
          </m.div>
        </Motion>
      )}
    </dialog>
  );
}
