import type { NextConfig } from "next";

// The live client connects here instead of the site's own /api/realtime (the
// AWS stack's RealtimeSocketUrl). Anything but a WebSocket address would only
// show as a site that never goes live, so it fails the build instead; the
// client adds `?ticket=` itself, so the address has no query of its own.
const socketUrl = process.env.NEXT_PUBLIC_REALTIME_SOCKET_URL;
if (socketUrl) {
  const url = URL.parse(socketUrl);
  if (!url || (url.protocol !== "ws:" && url.protocol !== "wss:") || url.search || url.hash) {
    throw new Error(
      `NEXT_PUBLIC_REALTIME_SOCKET_URL must be a ws:// or wss:// address without a query, such as the stack's ` +
        `RealtimeSocketUrl output, not ${JSON.stringify(socketUrl)}`,
    );
  }
}

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
