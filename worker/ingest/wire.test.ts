// The page URL of a wire event: the snippet sends origin + path + utm_* uncut; the worker
// accepts up to 8,192 characters and stores what minimalPageUrl keeps, cut to 2,048.
import { describe, expect, it } from "vitest";
import { WireEventSchema } from "./wire.ts";

const stored = (url: string) => {
  const r = WireEventSchema.safeParse({ id: "abcdefgh", name: "page", url });
  return r.success ? r.data.url : r.error.issues.map((i) => i.path.join("."));
};

describe("the page url", () => {
  const base = "https://shop.example/p?utm_content=";

  it("accepts up to 8,192 characters and stores the minimal URL cut to 2,048", () => {
    expect(stored(`${base}${"x".repeat(5000)}&email=a%40b.c#t`)).toBe(
      `${base}${"x".repeat(5000)}`.slice(0, 2048),
    );
    const max = `${base}${"x".repeat(8192 - base.length)}`;
    expect(stored(max)).toBe(max.slice(0, 2048));
    expect(stored(`${max}x`)).toEqual(["url"]);
  });

  it("drops a % escape the cut splits, and leaves a URL that fits as it is", () => {
    for (const pad of [0, 1, 2]) {
      const url = `${base}${"x".repeat(2048 - base.length - 3 + pad)}%C3%A9%C3%A9`;
      const got = stored(url) as string;
      expect(got.length).toBeLessThanOrEqual(2048);
      expect(got).toMatch(/x(%[0-9A-F]{2})*$/);
      expect(URL.canParse(got)).toBe(true);
    }
    expect(stored("https://shop.example/100%")).toBe("https://shop.example/100%");
  });
});
