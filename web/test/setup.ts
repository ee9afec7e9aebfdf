import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

import { resetNetwork } from "./network";

afterEach(() => {
  cleanup();
  resetNetwork();
});
