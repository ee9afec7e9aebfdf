import type { Schemas } from "./api/types";

/** Prices are integers in the currency's minor units; the currency says how
 * many digits those are (two for GBP, none for JPY). */
export function formatPrice(price: Schemas["Price"], locale?: string): string {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency: price.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(price.amount_minor / 10 ** digits);
}

/** Minor units for a price typed in major units ("1250.50" → 125050). */
export function toMinorUnits(major: string, currency: string): number | null {
  const value = Number(major.trim());
  if (!major.trim() || !Number.isFinite(value) || value < 0) return null;
  const digits = new Intl.NumberFormat(undefined, { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits ?? 2;
  return Math.round(value * 10 ** digits);
}

/** Major units as typed into a form from minor units (125050 → "1250.5"). */
export function fromMinorUnits(minor: number, currency: string): string {
  const digits = new Intl.NumberFormat(undefined, { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits ?? 2;
  return String(minor / 10 ** digits);
}

const centimetres = (mm: number) => {
  const cm = mm / 10;
  return Number.isInteger(cm) ? String(cm) : cm.toFixed(1);
};

export function formatDimensions(d: Schemas["Dimensions"]): string {
  const sides = [d.height_mm, d.width_mm, ...(d.depth_mm ? [d.depth_mm] : [])].map(centimetres);
  return `${sides.join(" × ")} cm`;
}

export function formatEdition(edition: Schemas["Edition"]): string {
  switch (edition.kind) {
    case "unique":
      return "Unique work";
    case "open":
      return "Open edition";
    case "limited":
      return `Limited edition of ${edition.size} (${edition.available} available)`;
  }
}

export function pluralise(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
