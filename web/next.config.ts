import type { NextConfig } from "next";

// A static export: Vercel serves it from web/out and `atelier serve` serves the
// same files locally, so the site never needs a Node server. Pages with a
// dynamic id are exported once, for the id `_`, and both hosts rewrite
// `/artworks/<id>` and `/artists/<slug>` to them (vercel.json).
const config: NextConfig = {
  output: "export",
  trailingSlash: true,
  reactStrictMode: true,
  poweredByHeader: false,
  // Images come in the sizes the media pipeline made; there is no optimiser
  // behind a static export.
  images: { unoptimized: true },
};

export default config;
