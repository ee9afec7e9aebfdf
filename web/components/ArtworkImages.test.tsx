import { screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "@/lib/api/types";
import { draftArtwork } from "@/test/fixtures";
import { json, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { ArtworkImages } from "./ArtworkImages";

const artwork: Schemas["ArtworkView"] = { ...draftArtwork, held_for_review: true };

const base = {
  artwork_id: artwork.id,
  content_type: "image/jpeg",
  size_bytes: 20480,
  expires_at: "2099-01-01T11:00:00Z",
  created_at: "2025-01-01T10:00:00Z",
};

const uploads: Schemas["UploadView"][] = [
  {
    ...base,
    id: "0190c4f6-4444-7000-8000-000000000002",
    filename: "html_page.jpg",
    status: "rejected",
    rejection_reason: "the file is not a JPEG, PNG, WebP or TIFF image",
  },
  {
    ...base,
    id: "0190c4f6-4444-7000-8000-000000000001",
    filename: "low-tide.jpg",
    status: "ready",
    image: {
      id: "0190c4f6-5555-7000-8000-000000000001",
      width: 1600,
      height: 2000,
      source_format: "image/jpeg",
      color_type: "Rgb8",
      has_icc: false,
      palette: [{ hex: "#6b7f8a", share: 0.4 }],
      sharpness: 210.5,
      variants: [
        { width: 320, height: 400, format: "webp", content_type: "image/webp", bytes: 9000, url: "/blobs/a-320.webp" },
        { width: 320, height: 400, format: "jpeg", content_type: "image/jpeg", bytes: 15000, url: "/blobs/a-320.jpg" },
      ],
    },
  },
];

beforeEach(() => route({ "GET /api/uploads": json(uploads) }));

describe("an artwork's images", () => {
  it("shows each upload's status, the server's reason for a rejection and the review hold", async () => {
    renderWithQueries(<ArtworkImages artwork={artwork} onSettled={vi.fn()} />);

    const list = await screen.findByRole("list", { name: "Uploaded images" });
    const [rejected, ready] = within(list).getAllByRole("listitem");
    expect(within(rejected!).getByText("Rejected")).toBeInTheDocument();
    expect(within(rejected!).getByText("The file is not a JPEG, PNG, WebP or TIFF image.")).toBeInTheDocument();
    expect(within(ready!).getByText("Ready")).toBeInTheDocument();
    expect(within(ready!).getByRole("img", { name: "Low tide (cover)" })).toHaveAttribute("src", "/blobs/a-320.jpg");
    expect(screen.getByRole("status")).toHaveTextContent("Held for review: this image looks like another artist’s work.");
    expect(screen.getByLabelText("Add image")).toHaveAttribute("type", "file");
  });
});
