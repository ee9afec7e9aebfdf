import type { Schemas } from "@/lib/api/types";

// Shapes as the API returns them for the seeded catalogue (signed URLs
// shortened), so component tests render what the pages really receive.

export const artworkView: Schemas["ArtworkView"] = {
  "id": "01a20ffd-8d2e-7428-b1b2-20ccfbc0fcc9",
  "artist": {
    "id": "01a20ffd-8d2d-77f6-9e8a-18ac0b30fdbd",
    "slug": "hans-makart",
    "name": "Hans Makart"
  },
  "title": "Treasures of the Sea",
  "description": "Treasures of the Sea by Hans Makart, c. 1870/75. Painting (Oil on canvas). Image licence: public domain; Art Institute of Chicago is_public_domain=true, image CC0 (AIC Open Access); ArtWall collector filters on is_public_domain.",
  "medium": "Oil on canvas",
  "category": {
    "slug": "painting",
    "name": "Painting"
  },
  "styles": [
    "academic-art"
  ],
  "tags": [
    "Sea",
    "Mythology"
  ],
  "year": 1870,
  "dimensions": {
    "height_mm": 1020,
    "width_mm": 2765
  },
  "framed": false,
  "edition": {
    "kind": "unique"
  },
  "price": {
    "amount_minor": 850000,
    "currency": "GBP"
  },
  "status": "published",
  "provenance": "",
  "signature": "",
  "certificate_of_authenticity": false,
  "shipping_origin": null,
  "external_ref": "dataset-image:aic_39510_treasures_of_the_sea.jpg",
  "completeness": 40,
  "version": 2,
  "created_at": "2026-11-24T23:56:44.719341Z",
  "updated_at": "2026-11-24T23:56:44.836616Z",
  "published_at": "2026-11-24T23:56:44.719341Z",
  "held_for_review": false,
  "images": [
    {
      "id": "01a20ffd-8d2e-7428-b1b2-20cdb63a50ce",
      "width": 843,
      "height": 312,
      "source_format": "image/jpeg",
      "color_type": "Rgb8",
      "has_icc": false,
      "palette": [
        {
          "hex": "#3e3228",
          "share": 0.31283244
        },
        {
          "hex": "#54432f",
          "share": 0.23869681
        },
        {
          "hex": "#755e39",
          "share": 0.17769282
        },
        {
          "hex": "#653f2a",
          "share": 0.15093085
        },
        {
          "hex": "#9f8147",
          "share": 0.119847074
        }
      ],
      "sharpness": 243.40831,
      "variants": [
        {
          "width": 320,
          "height": 118,
          "format": "jpeg",
          "content_type": "image/jpeg",
          "bytes": 13410,
          "url": "/api/blobs/images/01a20ffd-8d2e-7428-b1b2-20ccfbc0fcc9/01a20ffd-8d2e-7428-b1b2-20cdb63a50ce/320.jpg"
        },
        {
          "width": 320,
          "height": 118,
          "format": "webp",
          "content_type": "image/webp",
          "bytes": 8148,
          "url": "/api/blobs/images/01a20ffd-8d2e-7428-b1b2-20ccfbc0fcc9/01a20ffd-8d2e-7428-b1b2-20cdb63a50ce/320.webp"
        },
        {
          "width": 843,
          "height": 312,
          "format": "jpeg",
          "content_type": "image/jpeg",
          "bytes": 68857,
          "url": "/api/blobs/images/01a20ffd-8d2e-7428-b1b2-20ccfbc0fcc9/01a20ffd-8d2e-7428-b1b2-20cdb63a50ce/843.jpg"
        },
        {
          "width": 843,
          "height": 312,
          "format": "webp",
          "content_type": "image/webp",
          "bytes": 35218,
          "url": "/api/blobs/images/01a20ffd-8d2e-7428-b1b2-20ccfbc0fcc9/01a20ffd-8d2e-7428-b1b2-20cdb63a50ce/843.webp"
        }
      ]
    }
  ]
};

export const similarWorks: Schemas["SimilarWork"][] = [
  {
    "id": "01a20ffd-83c3-710a-8396-b0f5935f0113",
    "title": "Lion Hunt",
    "artist": {
      "id": "01a20ffd-83c3-710a-8396-b0f429c91c2f",
      "slug": "eugene-delacroix",
      "name": "Eugène Delacroix"
    },
    "year": 1860,
    "category": "painting",
    "styles": [],
    "price": {
      "amount_minor": 850000,
      "currency": "GBP"
    },
    "thumbnail": [
      {
        "width": 320,
        "height": 247,
        "format": "jpeg",
        "content_type": "image/jpeg",
        "bytes": 24643,
        "url": "/api/blobs/images/01a20ffd-83c3-710a-8396-b0f5935f0113/01a20ffd-83c3-710a-8396-b0f6c7401c57/320.jpg"
      },
      {
        "width": 320,
        "height": 247,
        "format": "webp",
        "content_type": "image/webp",
        "bytes": 15134,
        "url": "/api/blobs/images/01a20ffd-83c3-710a-8396-b0f5935f0113/01a20ffd-83c3-710a-8396-b0f6c7401c57/320.webp"
      }
    ],
    "dominant_color": "#2b2516",
    "score": 0.6507446
  },
  {
    "id": "01a20ffd-736a-773c-8647-f38e3b13518c",
    "title": "Saint Lucy",
    "artist": {
      "id": "01a20ffd-736a-773c-8647-f38d50172461",
      "slug": "vergos-workshop",
      "name": "Vergós Workshop"
    },
    "year": 1500,
    "category": "painting",
    "styles": [],
    "price": {
      "amount_minor": 850000,
      "currency": "GBP"
    },
    "thumbnail": null,
    "dominant_color": "#845e3c",
    "score": 0.63653994
  }
];

export const artistView: Schemas["ArtistView"] = {
  "id": "01a20ffd-8d2d-77f6-9e8a-18ac0b30fdbd",
  "slug": "hans-makart",
  "name": "Hans Makart",
  "bio": "Born in Salzburg, Austria, 1840; died 1884.",
  "location": "Vienna",
  "links": [
    "https://www.example.org/makart"
  ],
  "styles": [
    "academic-art"
  ],
  "birth_year": 1840,
  "death_year": 1884,
  "external_ref": null,
  "claimed": false,
  "follower_count": 12,
  "artwork_count": 1,
  "following": null,
  "created_at": "2026-11-24T23:56:27.165698Z"
};

export function searchHit(
  index: number,
  title: string,
  matched: ("keyword" | "semantic")[],
  overrides: Partial<Schemas["SearchHit"]> = {},
): Schemas["SearchHit"] {
  return {
    id: `01a20ffd-0000-7000-8000-${String(index).padStart(12, "0")}`,
    title,
    artist: { id: "01a20ffd-48cf-7281-b03d-19eb9f7b0451", slug: "dante-gabriel-rossetti", name: "Dante Gabriel Rossetti" },
    year: 1871,
    category: "painting",
    styles: [],
    price: { amount_minor: 850000, currency: "GBP" },
    thumbnail: null,
    dominant_color: null,
    score: 0.05,
    matched,
    ...overrides,
  };
}

/** A session as the API returns it on sign-in, sign-up and refresh. */
export function sessionView(user: Partial<Schemas["UserView"]> = {}): Schemas["SessionView"] {
  return {
    user: {
      id: "0190c4f6-3333-7000-8000-000000000001",
      email: "ann@example.com",
      display_name: "Ann Lee",
      role: "collector",
      artist_id: null,
      email_verified: true,
      created_at: "2025-01-01T10:00:00Z",
      ...user,
    },
    access_token: "access",
    token_type: "Bearer",
    expires_in: 900,
    refresh_token: "refresh",
  };
}

/** A work an artist has started in the studio and not yet published. */
export const draftArtwork: Schemas["ArtworkView"] = {
  id: "0190c4f6-1111-7000-8000-000000000001",
  artist: { id: "0190c4f6-2222-7000-8000-000000000001", slug: "ann-lee", name: "Ann Lee" },
  title: "Low tide",
  description: "",
  medium: "Oil on linen",
  category: { slug: "painting", name: "Painting" },
  styles: ["impressionism"],
  tags: ["coast"],
  year: 2023,
  dimensions: { height_mm: 405, width_mm: 600, depth_mm: null },
  framed: false,
  edition: { kind: "unique" },
  price: { amount_minor: 125050, currency: "GBP" },
  status: "draft",
  provenance: "",
  signature: "",
  certificate_of_authenticity: false,
  completeness: 50,
  version: 3,
  created_at: "2025-01-01T10:00:00Z",
  updated_at: "2025-01-02T10:00:00Z",
  held_for_review: false,
  images: [],
};
