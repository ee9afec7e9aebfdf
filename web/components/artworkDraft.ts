import type { Schemas } from "@/lib/api/types";
import { fromMinorUnits, toMinorUnits } from "@/lib/format";

/** The artwork form's inputs as typed: strings until they are sent. */
export type ArtworkDraft = {
  title: string;
  description: string;
  medium: string;
  category: string;
  styles: string[];
  stylesText: string;
  tags: string[];
  tagsText: string;
  year: string;
  heightCm: string;
  widthCm: string;
  depthCm: string;
  framed: boolean;
  edition: Schemas["Edition"]["kind"];
  editionSize: string;
  editionAvailable: string;
  price: string;
  currency: Schemas["CurrencyCode"];
  status: Schemas["ArtworkStatus"];
  provenance: string;
  signature: string;
  certificate: boolean;
  shippingOrigin: string;
};

export const CURRENCIES = ["GBP", "EUR", "USD", "CHF", "CAD", "AUD", "JPY"] as const;

const cm = (mm: number | null | undefined) => (mm ? String(mm / 10) : "");

export function draftFrom(work?: Schemas["ArtworkView"]): ArtworkDraft {
  const edition = work?.edition ?? { kind: "unique" as const };
  const currency = work?.price.currency ?? "GBP";
  return {
    title: work?.title ?? "",
    description: work?.description ?? "",
    medium: work?.medium ?? "",
    category: work?.category.slug ?? "",
    styles: work?.styles ?? [],
    stylesText: "",
    tags: work?.tags ?? [],
    tagsText: "",
    year: work?.year ? String(work.year) : "",
    heightCm: cm(work?.dimensions?.height_mm),
    widthCm: cm(work?.dimensions?.width_mm),
    depthCm: cm(work?.dimensions?.depth_mm),
    framed: work?.framed ?? false,
    edition: edition.kind,
    editionSize: edition.kind === "limited" ? String(edition.size) : "",
    editionAvailable: edition.kind === "limited" ? String(edition.available) : "",
    price: work ? fromMinorUnits(work.price.amount_minor, currency) : "",
    currency,
    status: work?.status ?? "draft",
    provenance: work?.provenance ?? "",
    signature: work?.signature ?? "",
    certificate: work?.certificate_of_authenticity ?? false,
    shippingOrigin: work?.shipping_origin ?? "",
  };
}

/** Splits typed chip text ("coast, sea") into labels, keeping what is already chosen. */
export function mergeLabels(chosen: string[], text: string): string[] {
  const typed = text
    .split(",")
    .map((label) => label.trim())
    .filter(Boolean);
  const out: string[] = [];
  for (const label of [...chosen, ...typed]) {
    if (!out.some((existing) => existing.toLowerCase() === label.toLowerCase())) out.push(label);
  }
  return out;
}

/** What the form sends: a new work's fields, or an edit's, whose status may be any. */
export type ArtworkBody = Omit<Schemas["CreateArtwork"], "status"> & { status: Schemas["ArtworkStatus"] };

/** A new work starts as a draft or published; the form offers it nothing else. */
export function creationBody(body: ArtworkBody): Schemas["CreateArtwork"] {
  return { ...body, status: body.status === "published" ? "published" : "draft" };
}

type Built = { body: ArtworkBody; errors: Record<string, string> };

const wholeNumber = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : null);

/** Millimetres from centimetres as typed ("40.5" → 405); null when not a size. */
export function toMillimetres(text: string): number | null {
  const value = Number(text.trim());
  if (!text.trim() || !Number.isFinite(value) || value <= 0) return null;
  return Math.round(value * 10);
}

/**
 * The request body for the draft, and the messages for inputs that cannot
 * become one, keyed by the API's field paths so both kinds of message land
 * under the same inputs. The API checks everything again.
 */
export function buildArtwork(draft: ArtworkDraft): Built {
  const errors: Record<string, string> = {};

  if (!draft.title.trim()) errors.title = "Give the work a title.";
  if (!draft.category) errors.category = "Choose a category.";

  let year: number | null = null;
  if (draft.year.trim()) {
    year = wholeNumber(draft.year);
    if (year === null) errors.year = "Enter the year as four digits, e.g. 2024.";
  }

  let dimensions: Schemas["Dimensions"] | null = null;
  const anySide = [draft.heightCm, draft.widthCm, draft.depthCm].some((side) => side.trim());
  if (anySide) {
    const height = toMillimetres(draft.heightCm);
    const width = toMillimetres(draft.widthCm);
    const depth = draft.depthCm.trim() ? toMillimetres(draft.depthCm) : null;
    if (height === null) errors["dimensions.height_mm"] = "Enter the height in centimetres.";
    if (width === null) errors["dimensions.width_mm"] = "Enter the width in centimetres.";
    if (draft.depthCm.trim() && depth === null) errors["dimensions.depth_mm"] = "Enter the depth in centimetres, or leave it empty.";
    if (height !== null && width !== null) dimensions = { height_mm: height, width_mm: width, depth_mm: depth };
  }

  let edition: Schemas["Edition"] = { kind: draft.edition } as Schemas["Edition"];
  if (draft.edition === "limited") {
    const size = wholeNumber(draft.editionSize);
    const available = wholeNumber(draft.editionAvailable);
    if (size === null) errors["edition.size"] = "Enter how many prints the edition has.";
    if (available === null) errors["edition.available"] = "Enter how many are still available.";
    edition = { kind: "limited", size: size ?? 0, available: available ?? 0 };
  }

  const amount = toMinorUnits(draft.price, draft.currency);
  if (amount === null) errors["price.amount_minor"] = "Enter a price, e.g. 1250 or 1250.50.";

  const body: ArtworkBody = {
    title: draft.title.trim(),
    description: draft.description.trim(),
    medium: draft.medium.trim(),
    category: draft.category,
    styles: mergeLabels(draft.styles, draft.stylesText),
    tags: mergeLabels(draft.tags, draft.tagsText),
    year,
    dimensions,
    framed: draft.framed,
    edition,
    price: { amount_minor: amount ?? 0, currency: draft.currency },
    status: draft.status,
    provenance: draft.provenance.trim(),
    signature: draft.signature.trim(),
    certificate_of_authenticity: draft.certificate,
    shipping_origin: draft.shippingOrigin.trim() ? draft.shippingOrigin.trim().toUpperCase() : null,
  };
  return { body, errors };
}

/** Where each API field path shows its message: the input's key in the form. */
export const FIELD_SLOTS: Record<string, string> = {
  title: "title",
  description: "description",
  medium: "medium",
  category: "category",
  styles: "styles",
  tags: "tags",
  year: "year",
  dimensions: "dimensions",
  "dimensions.height_mm": "heightCm",
  "dimensions.width_mm": "widthCm",
  "dimensions.depth_mm": "depthCm",
  framed: "framed",
  edition: "edition",
  "edition.kind": "edition",
  "edition.size": "editionSize",
  "edition.available": "editionAvailable",
  price: "price",
  "price.amount_minor": "price",
  "price.currency": "currency",
  status: "status",
  provenance: "provenance",
  signature: "signature",
  certificate_of_authenticity: "certificate",
  shipping_origin: "shippingOrigin",
};

/** Messages by input, from messages by API field path; the first per input wins. */
export function slotErrors(byPath: Record<string, string>): Record<string, string> {
  const bySlot: Record<string, string> = {};
  for (const [path, message] of Object.entries(byPath)) {
    const slot = FIELD_SLOTS[path];
    if (slot) bySlot[slot] ??= message;
  }
  return bySlot;
}
