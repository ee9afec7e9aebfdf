import type { Schemas } from "./api/types";

export type Money = Schemas["Money"];

/**
 * ISO 4217 exponents other than 2: how many of an amount's minor-unit digits
 * are decimals. The API states the exponent with every amount it sends
 * (`Money.exponent`); this table is for what the browser writes itself (a
 * price or a shipping rate typed in major units) and for artwork prices,
 * which come without one. Browsers' own currency data (CLDR) differs from
 * ISO 4217 for a few currencies (the Iraqi dinar has three decimals in ISO
 * 4217, none in CLDR), and the API counts minor units as ISO 4217 does.
 */
const EXPONENTS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0,
  UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** The ISO 4217 exponent of a currency code (2 unless the table says otherwise, as the API does). */
export function currencyExponent(currency: string): number {
  return EXPONENTS[currency.trim().toUpperCase()] ?? 2;
}

/**
 * `amount_minor` as an exact decimal string with `exponent` decimals
 * (125050, 2 → "1250.50"; 1500, 0 → "1500"; 1234, 3 → "1.234"), without
 * going through a floating-point division.
 */
export function decimalString(amountMinor: number, exponent: number): string {
  const negative = amountMinor < 0;
  const digits = String(Math.abs(Math.trunc(amountMinor))).padStart(exponent + 1, "0");
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = exponent === 0 ? "" : `.${digits.slice(-exponent)}`;
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/**
 * An amount as people read it, in the currency's own precision: the exponent
 * the API sent says where the decimal point goes (JPY 0, GBP 2, BHD 3).
 * Never a factor of 100 assumed.
 */
export function formatMoney(money: Money, locale?: string): string {
  const format = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: money.currency,
    minimumFractionDigits: money.exponent,
    maximumFractionDigits: money.exponent,
  });
  // A decimal string is formatted exactly (Intl.NumberFormat v3), where a
  // number would be rounded to the nearest double first.
  return format.format(decimalString(money.amount_minor, money.exponent) as `${number}`);
}

/** A price (minor units and a currency, no exponent) with the ISO 4217 exponent. */
export function moneyOf(amountMinor: number, currency: string): Money {
  return { amount_minor: amountMinor, currency, exponent: currencyExponent(currency) };
}

/**
 * Minor units for an amount typed in major units ("12.5" with exponent 2 →
 * 1250), or null for anything that is not a plain non-negative amount with
 * at most `exponent` decimals. Read from the digits, not through a float.
 */
export function parseMajor(text: string, exponent: number): number | null {
  const typed = text.trim().replace(/[\s,]/g, "");
  const match = /^(\d+)(?:\.(\d*))?$/.exec(typed);
  if (!match) return null;
  const [, whole = "", fraction = ""] = match;
  if (fraction.length > exponent) return null;
  const minor = Number(whole + fraction.padEnd(exponent, "0"));
  return Number.isSafeInteger(minor) ? minor : null;
}

/** Major units as a form shows them (1250, 2 → "12.50"; 1500, 0 → "1500"). */
export function toMajor(amountMinor: number, exponent: number): string {
  return decimalString(amountMinor, exponent);
}

/** The sum of amounts in one currency; null when they are in several (or none). */
export function sumMoney(amounts: readonly Money[]): Money | null {
  const [first] = amounts;
  if (!first || amounts.some((m) => m.currency !== first.currency)) return null;
  return { ...first, amount_minor: amounts.reduce((total, m) => total + m.amount_minor, 0) };
}
