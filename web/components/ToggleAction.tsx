"use client";

import { m } from "framer-motion";

import { Motion } from "./Motion";

type Icon = "save" | "like" | "follow";

type Props = {
  label: string;
  icon: Icon;
  pressed: boolean;
  busy?: boolean;
  onToggle: () => void;
};

const PATHS: Record<Icon, string> = {
  save: "M6 3h12a1 1 0 0 1 1 1v17l-7-4-7 4V4a1 1 0 0 1 1-1z",
  like: "M12 20s-7-4.35-7-10a4 4 0 0 1 7-2.65A4 4 0 0 1 19 10c0 5.65-7 10-7 10z",
  follow: "M12 5v14M5 12h14",
};

/** A pressed/unpressed action whose name never changes, so assistive
 * technology announces "Save, toggle button, pressed" rather than a new label. */
export function ToggleAction({ label, icon, pressed, busy, onToggle }: Props) {
  const filled = pressed && icon !== "follow";
  return (
    <button
      type="button"
      aria-pressed={pressed}
      aria-busy={busy || undefined}
      onClick={onToggle}
      className={`inline-flex items-center justify-center gap-2 rounded-full border px-5 py-2.5 text-sm font-medium transition-colors motion-reduce:transition-none ${
        pressed
          ? "border-stone-900 bg-stone-900 text-white hover:bg-stone-700"
          : "border-stone-300 bg-white text-stone-900 hover:border-stone-500"
      }`}
    >
      {/* A small pop when the choice is made; still for reduced motion. */}
      <Motion>
        <m.svg
          aria-hidden="true"
          animate={{ scale: pressed ? [1, 1.35, 1] : 1 }}
          transition={{ duration: 0.3, ease: "easeOut" }}
          viewBox="0 0 24 24"
          className="h-4 w-4"
          fill={filled ? "currentColor" : "none"}
          stroke="currentColor"
          strokeWidth={2}
          strokeLinecap="round"
          strokeLinejoin="round"
        >
          <path d={pressed && icon === "follow" ? "M5 12l5 5L19 7" : PATHS[icon]} />
        </m.svg>
      </Motion>
      {label}
    </button>
  );
}
