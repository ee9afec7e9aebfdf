import { CollectionPage } from "./CollectionPage";

// Exported once, for the placeholder `_`; the host rewrites every
// `/collections/<slug or title-and-id>` here and the page reads it from the address.
export function generateStaticParams() {
  return [{ ref: "_" }];
}

export default function Page() {
  return <CollectionPage />;
}
