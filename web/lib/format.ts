import type { Schemas } from "./api/types";
import { currencyExponent, decimalString, formatMoney, moneyOf } from "./money";

/** Prices are integers in the currency's minor units; ISO 4217 says how
 * many digits those are (two for GBP, none for JPY, three for BHD). */
export function formatPrice(price: Schemas["Price"], locale?: string): string {
  return formatMoney(moneyOf(price.amount_minor, price.currency), locale);
}

/** Minor units for a price typed in major units ("1250.50" → 125050). */
export function toMinorUnits(major: string, currency: string): number | null {
  const value = Number(major.trim());
  if (!major.trim() || !Number.isFinite(value) || value < 0) return null;
  return Math.round(value * 10 ** currencyExponent(currency));
}

/** Major units as typed into a form from minor units (125050 → "1250.5"). */
export function fromMinorUnits(minor: number, currency: string): string {
  return String(Number(decimalString(minor, currencyExponent(currency))));
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
