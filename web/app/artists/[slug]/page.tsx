import { ArtistPage } from "./ArtistPage";

// Exported once, for the placeholder slug; the host rewrites every
// `/artists/<slug>` here and the page reads the slug from the address.
export function generateStaticParams() {
  return [{ slug: "_" }];
}

export default function Page() {
  return <ArtistPage />;
}
