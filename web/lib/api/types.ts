import type { components } from "./schema";

/** The API's schemas by name, e.g. `Schemas["ArtworkView"]`. */
export type Schemas = components["schemas"];
export type ArtworkCard = Schemas["ArtworkCard"];
export type Variant = Schemas["VariantView"];
export type User = Schemas["UserView"];
