import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";

import { Header } from "@/components/Header";
import { VerifyEmailBanner } from "@/components/VerifyEmailBanner";

import "./globals.css";
import { Providers } from "./providers";

export const metadata: Metadata = {
  title: { default: "Atelier: original art and editions", template: "%s · Atelier" },
  description: "Discover and collect original artworks and editions from independent artists.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#fafaf9" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="flex min-h-screen flex-col">
        <a
          href="#main"
          className="sr-only z-50 rounded bg-stone-900 px-4 py-2 text-white focus:not-sr-only focus:absolute focus:top-2 focus:left-2"
        >
          Skip to content
        </a>
        <Providers>
          <Header />
          <VerifyEmailBanner />
          <main id="main" className="mx-auto w-full max-w-7xl flex-1 px-4 py-8 sm:px-6">
            {children}
          </main>
        </Providers>
        <footer className="border-t border-stone-200 py-6 text-center text-sm text-stone-600">
          Atelier · original art from independent artists
        </footer>
      </body>
    </html>
  );
}
