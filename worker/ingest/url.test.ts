import { describe, expect, it } from "vitest";
import { minimalPageUrl } from "./url.ts";

describe("minimalPageUrl", () => {
  it.each([
    ["https://shop.example/p/mug", "https://shop.example/p/mug"],
    ["https://shop.example/", "https://shop.example/"],
    ["https://shop.example", "https://shop.example/"],
    [
      "https://shop.example/reset?token=s3cret&email=ada%40example.com",
      "https://shop.example/reset",
    ],
    ["https://shop.example/login?user=ada&password=hunter2#frag", "https://shop.example/login"],
    [
      "https://shop.example/p?utm_source=news&x=1&UTM_Campaign=w%20b&utm_=no",
      "https://shop.example/p?utm_source=news&UTM_Campaign=w+b",
    ],
    ["https://ada:pw@shop.example:8443/a/b;c?d#e", "https://shop.example:8443/a/b;c"],
    ["http://127.0.0.1:8080/cart#checkout", "http://127.0.0.1:8080/cart"],
  ])("%s → %s", (raw, want) => {
    expect(minimalPageUrl(raw)).toBe(want);
  });
});
