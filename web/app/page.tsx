import { preload } from "react-dom";

import { CategoryStrip } from "@/components/CategoryStrip";

import { EditorialCollections } from "./EditorialCollections";
import { HomeFeed } from "./HomeFeed";

export default function Home() {
  // The feed and the categories are fetched as soon as the page arrives, in
  // parallel with the scripts, instead of after they have run: on a phone
  // that is most of the wait for the first pictures. Only the visitors' feed
  // can be preloaded (no request header can be set), and HomeFeed's
  // visitor prefetch, which always runs first, is what takes it; members'
  // feeds are fetched with their token once the session is restored.
  preload("/api/feed", { as: "fetch", crossOrigin: "anonymous" });
  preload("/api/categories", { as: "fetch", crossOrigin: "anonymous" });
  return (
    <>
      <section aria-labelledby="intro" className="mb-8 max-w-2xl">
        <h1 id="intro" className="font-serif text-3xl font-semibold tracking-tight text-stone-900 sm:text-4xl">
          Discover original art
        </h1>
        <p className="mt-2 text-stone-700">
          Paintings, prints, photographs and sculpture, straight from the artists who made them.
        </p>
      </section>
      <CategoryStrip />
      <EditorialCollections />
      <HomeFeed />
    </>
  );
}
