// Click-route helpers: allowed destinations and the nudge_t identity parameter.
import { describe, expect, it } from "vitest";
import { isAllowedDestination, makeLinkSigner, withIdentity } from "./links.ts";
import { verifyToken } from "./tokens.ts";

describe("links", () => {
  it("allows only http(s) destinations on the site's origins", () => {
    const origins = ["https://shop.example.com", "http://127.0.0.1:8080"];
    expect(isAllowedDestination("https://shop.example.com/cart?x=1", origins)).toBe(true);
    expect(isAllowedDestination("http://127.0.0.1:8080/p", origins)).toBe(true);
    expect(isAllowedDestination("https://shop.example.com.evil.net/", origins)).toBe(false);
    expect(isAllowedDestination("http://shop.example.com/", origins)).toBe(false);
    expect(isAllowedDestination("javascript:alert(1)", origins)).toBe(false);
    expect(isAllowedDestination("//evil.net", origins)).toBe(false);
    expect(isAllowedDestination("https://anything.example/", [])).toBe(true);
  });

  it("appends nudge_t, replacing an old one and keeping the fragment", () => {
    expect(withIdentity("https://s.example/p?a=1#top", "T1")).toBe(
      "https://s.example/p?a=1&nudge_t=T1#top",
    );
    expect(withIdentity("https://s.example/p?nudge_t=old", "T2")).toBe(
      "https://s.example/p?nudge_t=T2",
    );
  });

  it("mints /c, /o and /u URLs whose tokens carry the send reference", async () => {
    const ref = {
      site: "demo",
      contact: "c1",
      email: "a@b.co",
      trigger: "t",
      episode: "e",
      step: 1,
      variant: 0,
    };
    const s = makeLinkSigner("k", "https://n.example/", ref, 0);
    const click = await s.click("https://s.example/x");
    expect(click).toMatch(/^https:\/\/n\.example\/c\//);
    expect(await s.click("https://s.example/x")).toBe(click);
    const c = await verifyToken("k", click.split("/c/")[1] ?? "", 0, "click");
    expect(c).toMatchObject({
      ok: true,
      payload: { trigger: "t", step: 1, variant: 0, url: "https://s.example/x" },
    });
    const o = await verifyToken("k", (await s.open()).split("/o/")[1] ?? "", 0, "open");
    expect(o).toMatchObject({ ok: true, payload: { contact: "c1", episode: "e" } });
    const u = await verifyToken(
      "k",
      (await s.unsubscribe()).split("/u/")[1] ?? "",
      0,
      "unsubscribe",
    );
    expect(u).toMatchObject({ ok: true, payload: { site: "demo", contact: "c1" } });
    expect(JSON.stringify(u)).not.toContain("a@b.co");
    // The send's kind of email rides on the unsubscribe link only.
    const t = makeLinkSigner("k", "https://n.example/", { ...ref, topic: "reminders" }, 0);
    const ut = await verifyToken(
      "k",
      (await t.unsubscribe()).split("/u/")[1] ?? "",
      0,
      "unsubscribe",
    );
    expect(ut).toMatchObject({ ok: true, payload: { topic: "reminders" } });
    const ot = await verifyToken("k", (await t.open()).split("/o/")[1] ?? "", 0, "open");
    expect(JSON.stringify(ot)).not.toContain("reminders");
  });
});
