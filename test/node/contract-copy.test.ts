// The repository's copy of Resend's OpenAPI description must match the workspace's shared one
// (when it exists beside the repository), so the fake Resend checks the real contract.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { note } from "../support/note.ts";
import { CONTRACT_PATH, SHARED_CONTRACT_PATH } from "../support/resend-contract.ts";

describe("Resend contract copy", () => {
  it("is present and parses as the Resend API", () => {
    const text = readFileSync(CONTRACT_PATH, "utf8");
    expect(text).toMatch(/^openapi: 3\./m);
    expect(text).toContain("/emails:");
  });

  it("is identical to shared/contracts when that folder is beside the repository", () => {
    if (!existsSync(SHARED_CONTRACT_PATH)) {
      note(`no shared copy at ${SHARED_CONTRACT_PATH}: nothing to compare (clean clone)`);
      return;
    }
    expect(readFileSync(CONTRACT_PATH, "utf8")).toBe(readFileSync(SHARED_CONTRACT_PATH, "utf8"));
  });
});
