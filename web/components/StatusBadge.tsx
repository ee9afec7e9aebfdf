import type { Schemas } from "@/lib/api/types";

const TONE: Record<Schemas["ArtworkStatus"], string> = {
  draft: "bg-stone-100 text-stone-800 ring-stone-300",
  published: "bg-emerald-50 text-emerald-900 ring-emerald-300",
  reserved: "bg-amber-50 text-amber-900 ring-amber-300",
  sold: "bg-sky-50 text-sky-900 ring-sky-300",
  archived: "bg-white text-stone-700 ring-stone-300",
};

const LABEL: Record<Schemas["ArtworkStatus"], string> = {
  draft: "Draft",
  published: "Published",
  reserved: "Reserved",
  sold: "Sold",
  archived: "Archived",
};

export function StatusBadge({ status, held }: { status: Schemas["ArtworkStatus"]; held?: boolean }) {
  return (
    <span className="inline-flex flex-wrap gap-1.5">
      <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE[status]}`}>
        {LABEL[status]}
      </span>
      {held && (
        <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-950 ring-1 ring-inset ring-amber-400">
          Held for review
        </span>
      )}
    </span>
  );
}
