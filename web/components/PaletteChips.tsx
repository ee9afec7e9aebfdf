import type { Schemas } from "@/lib/api/types";
import { sharePercent } from "@/lib/artwork";

/** The image's dominant colours as swatches, each named by its hex code and
 * share so the list means something without seeing the colour. */
export function PaletteChips({ palette }: { palette: Schemas["Swatch"][] }) {
  if (palette.length === 0) return null;
  return (
    <ul aria-label="Palette" className="flex flex-wrap gap-2">
      {palette.map((swatch) => (
        <li
          key={swatch.hex}
          className="flex items-center gap-2 rounded-full border border-stone-200 bg-white py-1 pr-3 pl-1 text-xs"
        >
          <span
            aria-hidden="true"
            className="h-5 w-5 rounded-full border border-black/10"
            style={{ backgroundColor: swatch.hex }}
          />
          <span className="font-mono text-stone-800">{swatch.hex}</span>
          <span className="text-stone-600">
            <span className="sr-only">, </span>
            {sharePercent(swatch.share)}
            <span className="sr-only"> of the image</span>
          </span>
        </li>
      ))}
    </ul>
  );
}
