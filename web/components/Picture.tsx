import type { Variant } from "@/lib/api/types";

type Props = {
  variants: Variant[] | null | undefined;
  alt: string;
  /** The `sizes` attribute: how wide the image is drawn at each viewport. */
  sizes: string;
  /** `#rrggbb` shown while the image loads, so the layout never flashes white. */
  placeholder?: string | null;
  priority?: boolean;
  className?: string;
};

/**
 * A responsive artwork image from the media pipeline's variants: WebP with a
 * JPEG fallback, each at every width made, so the browser fetches the
 * smallest file that is sharp at the drawn size. Width and height come from
 * the largest variant, which reserves the space before the bytes arrive.
 */
export function Picture({ variants, alt, sizes, placeholder, priority, className }: Props) {
  const webp = (variants ?? []).filter((v) => v.format === "webp");
  const jpeg = (variants ?? []).filter((v) => v.format === "jpeg");
  const fallback = jpeg.length > 0 ? jpeg : webp;
  const largest = fallback[fallback.length - 1];
  const style = { backgroundColor: placeholder ?? "#e7e5e4" };
  if (!largest) {
    return (
      <div
        role="img"
        aria-label={`${alt} (no image yet)`}
        className={`flex items-center justify-center ${className ?? ""}`}
        style={{ ...style, aspectRatio: "4 / 5" }}
      >
        <span aria-hidden="true" className="text-xs text-stone-600">
          No image yet
        </span>
      </div>
    );
  }
  const srcSet = (list: Variant[]) => list.map((v) => `${v.url} ${v.width}w`).join(", ");
  const middle = fallback[Math.min(1, fallback.length - 1)] ?? largest;
  return (
    <picture>
      {webp.length > 0 && <source type="image/webp" srcSet={srcSet(webp)} sizes={sizes} />}
      <img
        src={middle.url}
        srcSet={srcSet(fallback)}
        sizes={sizes}
        alt={alt}
        width={largest.width}
        height={largest.height}
        loading={priority ? "eager" : "lazy"}
        decoding="async"
        fetchPriority={priority ? "high" : "auto"}
        className={className}
        style={style}
      />
    </picture>
  );
}
