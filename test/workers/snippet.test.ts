// GET /nudge.js in workerd: the core alone by default, core + adapter with ?platform=, a 400
// for an unknown platform, and one ETag per variant; GET /nudge-restore.js, the cart-restore
// script an adapter loads from an email's cart link.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PLATFORM_JS, RESTORE_JS } from "../../worker/generated/platforms.ts";
import { SNIPPET_JS } from "../../worker/generated/snippet.ts";

const get = (query = "", headers: Record<string, string> = {}) =>
  exports.default.fetch(`http://nudge.test/nudge.js${query}`, { headers });

describe("GET /nudge.js?platform=", () => {
  it("serves exactly the core without the parameter", async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(SNIPPET_JS);
  });

  it.each(["shopify", "woocommerce"] as const)(
    "serves the core followed by the %s adapter, with its own working ETag",
    async (platform) => {
      const res = await get(`?platform=${platform}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("javascript");
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(await res.text()).toBe(SNIPPET_JS + PLATFORM_JS[platform]);
      const etag = res.headers.get("etag") ?? "";
      expect(etag).not.toBe((await get()).headers.get("etag"));
      expect((await get(`?platform=${platform}`, { "if-none-match": etag })).status).toBe(304);
      // Another variant's ETag does not validate this one.
      const core = (await get()).headers.get("etag") ?? "";
      expect((await get(`?platform=${platform}`, { "if-none-match": core })).status).toBe(200);
    },
  );

  it.each(["magento", "", "constructor", "Shopify"])(
    "answers 400 unknown_platform for platform=%j",
    async (platform) => {
      const res = await get(`?platform=${platform}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "unknown_platform" });
    },
  );
});

describe("GET /nudge-restore.js?platform=", () => {
  const restore = (query: string, headers: Record<string, string> = {}) =>
    exports.default.fetch(`http://nudge.test/nudge-restore.js${query}`, { headers });

  it("serves the WooCommerce cart restore alone (not the core), whatever token it is given", async () => {
    const res = await restore("?platform=woocommerce&t=abc.def");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("javascript");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const body = await res.text();
    expect(body).toBe(RESTORE_JS.woocommerce);
    expect(body).not.toContain(SNIPPET_JS);
    expect(body).toContain("wc-ajax=add_to_cart");
    const etag = res.headers.get("etag") ?? "";
    expect((await restore("?platform=woocommerce&t=x", { "if-none-match": etag })).status).toBe(
      304,
    );
  });

  it.each(["?platform=shopify", "?platform=", "", "?platform=constructor"])(
    "answers 400 unknown_platform for %s",
    async (query) => {
      const res = await restore(query);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "unknown_platform" });
    },
  );
});
