import { CategoryStrip } from "@/components/CategoryStrip";

import { HomeFeed } from "./HomeFeed";

export default function Home() {
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
      <HomeFeed />
    </>
  );
}
