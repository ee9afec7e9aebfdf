import type { ArtworkCard, Schemas } from "./api/types";

type View = Schemas["ArtworkView"];

/** The card for a full artwork, for the lists that return whole views. */
export function cardFromView(view: View): ArtworkCard {
  const cover = view.images[0];
  return {
    id: view.id,
    title: view.title,
    artist: view.artist,
    year: view.year,
    category: view.category.slug,
    styles: view.styles,
    price: view.price,
    thumbnail: cover?.variants ?? null,
    dominant_color: cover?.palette[0]?.hex ?? null,
  };
}

/** A soft gradient through the image's main colours, drawn behind it while
 * the pixels load so the page already carries the work's mood. */
export function paletteGradient(palette: Schemas["Swatch"][]): string | undefined {
  const colours = palette.slice(0, 4).map((swatch) => swatch.hex);
  if (colours.length === 0) return undefined;
  if (colours.length === 1) return colours[0];
  return `linear-gradient(135deg, ${colours.join(", ")})`;
}

export function sharePercent(share: number): string {
  return `${Math.max(1, Math.round(share * 100))}%`;
}

/** Styles and facets travel as slugs (`pre-raphaelite-brotherhood`). */
export function styleLabel(slug: string): string {
  const words = slug.replace(/[-_]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A price without pence when it is a round amount: bucket bounds read
 * better as "£500" than "£500.00". */
export function formatRoundPrice(amountMinor: number, currency: string, locale?: string): string {
  const probe = new Intl.NumberFormat(locale, { style: "currency", currency });
  const digits = probe.resolvedOptions().maximumFractionDigits ?? 2;
  const major = amountMinor / 10 ** digits;
  const whole = Number.isInteger(major);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: whole ? 0 : digits,
    maximumFractionDigits: whole ? 0 : digits,
  }).format(major);
}

/**
 * The label of a price bucket in the currency the results are priced in. The
 * API's own label has no currency (it cannot know which one the reader
 * needs), so it is the fallback when the results mix currencies.
 */
export function priceBucketLabel(bucket: Schemas["PriceBucket"], currency: string | null, locale?: string): string {
  if (!currency) return bucket.label;
  const money = (minor: number) => formatRoundPrice(minor, currency, locale);
  const max = bucket.max ?? null;
  if (max === null) return `${money(bucket.min)} and over`;
  // Bounds are inclusive minor units (0–49,999): the next whole amount reads naturally.
  const upper = money(max + 1);
  if (bucket.min === 0) return `Under ${upper}`;
  return `${money(bucket.min)} – ${upper}`;
}

/** The one currency a list of works is priced in, or null when they mix. */
export function soleCurrency(works: { price: Schemas["Price"] }[]): string | null {
  const currencies = new Set(works.map((work) => work.price.currency));
  return currencies.size === 1 ? [...currencies][0]! : null;
}

export function lifespan(artist: Pick<Schemas["ArtistView"], "birth_year" | "death_year">): string | null {
  const { birth_year: born, death_year: died } = artist;
  if (born && died) return `${born}–${died}`;
  if (born) return `Born ${born}`;
  if (died) return `Died ${died}`;
  return null;
}

export function linkLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.hostname.replace(/^www\./, "") + (parsed.pathname === "/" ? "" : parsed.pathname);
  } catch {
    return url;
  }
}
