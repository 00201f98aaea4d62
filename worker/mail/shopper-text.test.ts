import { describe, expect, it } from "vitest";
import { cleanShopperData, shopperText } from "./shopper-text.ts";

describe("shopper text", () => {
  it.each([
    ["Stoneware Mug, Sand", "Stoneware Mug, Sand"],
    ["Organic Cotton Tee (Navy, M) 2.0", "Organic Cotton Tee (Navy, M) 2.0"],
    ["Verify your card now: https://evil.example/pay", "Verify your card now:"],
    ["Call http://x.y/a?b=c#d or www.evil.example today", "Call or today"],
    ["Write to help@evil.example.net", "Write to"],
    ["Visit evil-shop.com/login or paypa1.co", "Visit or"],
    ["  lots   of\n\nspace\t ", "lots of space"],
  ])("%j → %j", (raw, want) => {
    expect(shopperText(raw)).toBe(want);
  });

  it("cuts long text with an ellipsis", () => {
    const t = shopperText("a".repeat(500), 20);
    expect(t).toHaveLength(20);
    expect(t.endsWith("…")).toBe(true);
  });

  it("cleans every string in nested data but leaves url and image fields to the link policy", () => {
    expect(
      cleanShopperData({
        items: [{ name: "Mug https://evil.example", url: "https://evil.example/x", price: 3 }],
        note: "see www.evil.example",
        image: "https://cdn.example/i.png",
      }),
    ).toEqual({
      items: [{ name: "Mug", url: "https://evil.example/x", price: 3 }],
      note: "see",
      image: "https://cdn.example/i.png",
    });
  });
});
