import { describe, expect, it } from "vitest";

import { idFromPath } from "./route";

describe("ids of rewritten pages", () => {
  it("reads the id with or without a trailing slash", () => {
    expect(idFromPath("/artworks/0b6f1c1e-4b7a-4a57-9d55-6c1c2b1a0f00", "artworks")).toBe(
      "0b6f1c1e-4b7a-4a57-9d55-6c1c2b1a0f00",
    );
    expect(idFromPath("/artists/j-m-w-turner/", "artists")).toBe("j-m-w-turner");
  });

  it("has no id on the exported placeholder or elsewhere", () => {
    expect(idFromPath("/artworks/_/", "artworks")).toBeNull();
    expect(idFromPath("/artworks/", "artworks")).toBeNull();
    expect(idFromPath("/artworks/a/b", "artworks")).toBeNull();
    expect(idFromPath("/search/", "artworks")).toBeNull();
  });
});
