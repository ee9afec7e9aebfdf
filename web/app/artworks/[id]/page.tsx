import { ArtworkPage } from "./ArtworkPage";

// Exported once, for the placeholder id; the host rewrites every
// `/artworks/<id>` here and the page reads the id from the address.
export function generateStaticParams() {
  return [{ id: "_" }];
}

export default function Page() {
  return <ArtworkPage />;
}
