// Offers, the pure parts: which pools an email reads (subject, the parts it renders from, a KV
// override laid over the bundled template) and the pool index the dashboard lists.
import { describe, expect, it } from "vitest";
import { CouponBatchSchema, parsePoolIndex, withPool } from "./codes.ts";
import { couponPoolsOf, couponRefs } from "./refs.ts";

describe("couponRefs", () => {
  it("finds coupon.NAME once each, sorted, and nothing that only looks like it", () => {
    expect(
      couponRefs([
        "{{ coupon.spring }} and {{coupon.vip_2026 | upcase}} and {{ coupon.spring }}",
        "{% if coupon.autumn %}{{ coupon.autumn }}{% endif %}",
        undefined,
        "{{ vars.coupon.x }} {{ my_coupon.y }} {{ coupons.z }} {{ coupon.Bad }} coupon.",
      ]),
    ).toEqual(["autumn", "spring", "vip_2026"]);
  });
});

describe("couponPoolsOf", () => {
  const effect = { template: "welcome", subject: "Hi" };

  it("reads the subject and the bundled parts; a bundled template reads no pool", () => {
    expect(couponPoolsOf(effect, null)).toEqual([]);
    expect(couponPoolsOf({ ...effect, subject: "Your code {{ coupon.spring }}" }, null)).toEqual([
      "spring",
    ]);
  });

  it("reads an override's HTML and text; an HTML-only override drops the bundled text", () => {
    const both = JSON.stringify({ html: "{{ coupon.a }}", text: "{{ coupon.b }}" });
    expect(couponPoolsOf(effect, both)).toEqual(["a", "b"]);
    expect(couponPoolsOf(effect, "<p>{{ coupon.c }}</p>")).toEqual(["c"]);
    expect(couponPoolsOf({ template: "nope", subject: "x" }, null)).toEqual([]);
  });

  it("the bundled offer templates read the pool their vars name, through their partials", () => {
    for (const template of ["welcome", "birthday", "win-back-offer"])
      expect(couponPoolsOf({ template, subject: "Hi" }, null, { coupon_pool: "vip" })).toEqual([
        "vip",
      ]);
    // A template without an offer claims nothing, whatever the vars say.
    expect(
      couponPoolsOf({ template: "cart-abandoned", subject: "Hi" }, null, { coupon_pool: "vip" }),
    ).toEqual([]);
    expect(couponPoolsOf(effect, null, { coupon_pool: "Not A Pool" })).toEqual([]);
  });
});

describe("pool index", () => {
  it("grows by new names only, sorted; anything unreadable is no pools", () => {
    expect(withPool([], "spring")).toEqual(["spring"]);
    expect(withPool(["spring"], "autumn")).toEqual(["autumn", "spring"]);
    expect(withPool(["autumn", "spring"], "spring")).toBeNull();
    expect(parsePoolIndex(null)).toEqual([]);
    expect(parsePoolIndex("{")).toEqual([]);
    expect(parsePoolIndex('{"a":1}')).toEqual([]);
    expect(parsePoolIndex('["spring", 5, "Bad Name", "autumn"]')).toEqual(["spring", "autumn"]);
  });
});

describe("CouponBatchSchema", () => {
  it("takes 1 to 1,000 printable codes of at most 64 characters", () => {
    const ok = (codes: string[]) =>
      CouponBatchSchema.safeParse({ site: "demo", pool: "spring", codes }).success;
    expect(ok(["A-1", "!~", "x".repeat(64)])).toBe(true);
    expect(ok([])).toBe(false);
    expect(ok(Array(1001).fill("A"))).toBe(false);
    expect(ok(["x".repeat(65)])).toBe(false);
    expect(ok(["with space"])).toBe(false);
    expect(ok(["tab\t"])).toBe(false);
    expect(ok(["café"])).toBe(false);
  });
});
