// The default templates promise only what the site configured (offers from vars/coupon), show sold-out
// items as such, suggest available recommendations, and take every accent from the brand colour.
import { describe, expect, it } from "vitest";
import defaultConfig from "../../templates/default-config.json";
import sample from "../../templates/sample-data.json";
import { NEUTRALS, hexColours } from "../../test/support/palette.ts";
import type { RecommendationContext, TemplateContext } from "./context.ts";
import { makeLinkSigner } from "./links.ts";
import { renderEmail } from "./render.ts";

const signer = makeLinkSigner(
  "offers-test-secret",
  "https://nudge.example.com",
  {
    site: "demo",
    contact: "c_1",
    email: "ada@example.com",
    trigger: "t",
    episode: "ep1",
    step: 0,
    variant: null,
  },
  0,
);

/** The sample context without any offer or recommendation. */
const { vars: _v, coupon: _c, recommendations: _r, ...bare } = sample.context as TemplateContext;
const base: TemplateContext = bare;

/** The default config's subject for a template (a variant's own when it has one); the sample's
 * for the confirmation email (the config's confirmSubject). */
function subjectOf(template: string): string {
  for (const t of defaultConfig.triggers)
    for (const s of t.steps as { template?: string; subject?: string; variants?: unknown[] }[]) {
      for (const v of (s.variants ?? []) as { template?: string; subject?: string }[])
        if (v.template === template && v.subject) return v.subject;
      if (s.template === template && s.subject) return s.subject;
    }
  const spec = (sample.templates as Record<string, { subject: string }>)[template];
  if (!spec) throw new Error(`no subject for ${template}`);
  return spec.subject;
}

async function render(template: string, extra: Partial<TemplateContext> = {}) {
  const r = await renderEmail({
    template,
    subject: subjectOf(template),
    context: { ...base, ...extra },
    marketing: true,
    signer,
    allowedOrigins: sample.origins,
  });
  if (!r.ok) throw new Error(r.message);
  return r;
}

/** What a reader sees of the HTML part: no tags, no head. */
const visible = (html: string) =>
  html
    .replace(/<head>[\s\S]*?<\/head>/, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#\d+;/g, "");

/** Hex colours in the markup (tags and the style sheet), not in the words (order #1042). */
const markupColours = (html: string) =>
  hexColours([...(html.match(/<[^>]+>|<style>[\s\S]*?<\/style>/g) ?? [])].join(" "));

const OFFER_TEMPLATES = ["welcome", "birthday", "win-back-offer"];

describe("offers", () => {
  it("without vars or coupon: no offer block, no code, no discount", async () => {
    for (const t of OFFER_TEMPLATES) {
      const r = await render(t);
      expect(r.html, t).not.toContain('class="offer"');
      for (const part of [r.subject, visible(r.html), r.text]) {
        expect(part, t).not.toMatch(/\bcode\b|%|\boff\b|COMEBACK|discount/i);
      }
    }
    expect((await render("win-back-offer")).subject).toBe("We saved you a seat");
  });

  it("no template or default subject ships a code or a discount of its own", async () => {
    // A price drop's percent is the catalog's own fact, not an offer.
    for (const t of Object.keys(sample.templates).filter((n) => n !== "price-drop")) {
      const r = await render(t);
      for (const part of [r.subject, visible(r.html), r.text])
        expect(part, t).not.toMatch(/COMEBACK|\d+\s*%|% off|discount/i);
    }
  });

  it("shows vars.discount_code in HTML and text", async () => {
    for (const t of OFFER_TEMPLATES) {
      const r = await render(t, { vars: { discount_code: "SAVE15" } });
      expect(r.html, t).toContain('class="offer"');
      expect(r.html, t).toContain("SAVE15");
      expect(r.text, t).toContain("Use this code at checkout: SAVE15");
    }
  });

  it("shows the code claimed from vars.coupon_pool before the shared discount_code", async () => {
    const vars = { coupon_pool: "vip", discount_code: "SHARED", offer_text: "15% off" };
    for (const t of OFFER_TEMPLATES) {
      const r = await render(t, { vars, coupon: { vip: "VIP-7Q2M" } });
      expect(r.html, t).toContain("VIP-7Q2M");
      expect(r.text, t).toContain("VIP-7Q2M");
      expect(r.html + r.text, t).not.toContain("SHARED");
      expect(r.html, t).toContain("15% off");
    }
    const r = await render("win-back-offer", { vars, coupon: { vip: "VIP-7Q2M" } });
    expect(r.subject).toBe("15% off, just for you");
  });

  it("promises nothing when the pool gave no code and there is no shared code", async () => {
    const vars = { coupon_pool: "vip", offer_text: "15% off" };
    for (const t of OFFER_TEMPLATES) {
      const r = await render(t, { vars, coupon: {} });
      expect(r.html, t).not.toContain('class="offer"');
      expect(r.subject + r.html + r.text, t).not.toContain("15% off");
    }
  });

  it("an offer without a code (no pool) shows its text and terms", async () => {
    const vars = { offer_text: "Free shipping this week", offer_terms: "Orders over €30." };
    const r = await render("birthday", { vars });
    expect(r.html).toContain("Free shipping this week");
    expect(r.html).toContain("Orders over €30.");
    expect(r.html).not.toContain("Use this code");
    expect(r.text).toContain("Free shipping this week");
  });
});

const rec = (id: string, name: string, price: number, available?: boolean) =>
  ({
    id,
    name,
    price,
    currency: "EUR",
    url: `http://127.0.0.1:8080/products/${id}`,
    image: `http://127.0.0.1:8080/img/${id}.svg`,
    ...(available === undefined ? {} : { available }),
  }) satisfies RecommendationContext;

const cards = (html: string) => html.match(/class="rec-col"/g)?.length ?? 0;

describe("recommendations", () => {
  const four = [
    rec("a", "Alpha Notebook", 12.5),
    rec("b", "Bravo Apron", 38, false),
    rec("c", "Charlie Tote", 45, true),
    rec("d", "Delta Candle", 22),
    rec("e", "Echo Scarf", 30),
  ];

  it("render up to 3 available ones in cart-abandoned, cart-abandoned-2 and browse-abandoned", async () => {
    for (const t of ["cart-abandoned", "cart-abandoned-2", "browse-abandoned"]) {
      const r = await render(t, { recommendations: four });
      expect(cards(r.html), t).toBe(3);
      expect(r.html, t).toContain("You might also like");
      for (const name of ["Alpha Notebook", "Charlie Tote", "Delta Candle"]) {
        expect(r.html, t).toContain(name);
        expect(r.text, t).toContain(name);
      }
      expect(r.html + r.text, t).not.toContain("Bravo Apron");
      expect(r.html + r.text, t).not.toContain("Echo Scarf");
      expect(r.html, t).toContain("€45.00");
      expect(r.html, t).toContain('src="http://127.0.0.1:8080/img/c.svg"');
    }
  });

  it("show nothing when there are none or all are sold out", async () => {
    for (const recommendations of [[], [rec("b", "Bravo Apron", 38, false)]]) {
      const r = await render("cart-abandoned", { recommendations });
      expect(cards(r.html)).toBe(0);
      expect(r.html + r.text).not.toContain("You might also like");
    }
  });
});

describe("availability", () => {
  const cart = base.cart!;
  const soldTee = {
    ...cart,
    items: cart.items.map((i) => (i.id === "tee-07" ? { ...i, available: false } : i)),
  };

  it("a sold-out cart item shows Sold out, no price, and leaves the subtotal", async () => {
    for (const t of ["cart-abandoned", "cart-abandoned-2", "checkout-abandoned"]) {
      const r = await render(t, { cart: soldTee });
      expect(r.html, t).toContain("Sold out");
      expect(r.html, t).not.toContain("€32.50"); // the tee's price
      expect(r.html, t).not.toContain("€100.40"); // cart.value still counts it
      expect(r.html, t).toContain("€67.90"); // 2 × 24 + 19.90
      expect(r.text, t).toContain("- Organic Cotton Tee (Navy, M) × 1: Sold out");
      expect(r.text, t).not.toContain("€32.50");
    }
  });

  it("a cart with only sold-out items points to the shop", async () => {
    const allGone = { ...cart, items: cart.items.map((i) => ({ ...i, available: false })) };
    const r = await render("cart-abandoned", { cart: allGone });
    expect(r.html).toContain("What you picked has sold out");
    expect(r.html).toMatch(/class="btn"[\s\S]*?>Browse the shop<\/a>/);
    expect(r.html).not.toMatch(/Subtotal|€\d/);
    expect(r.text).not.toMatch(/Subtotal|Return to your cart|€\d/);
  });

  it("an order keeps what was paid even when the product sold out since", async () => {
    const order = {
      ...base.order!,
      items: base.order!.items!.map((i) => ({ ...i, available: false })),
    };
    const r = await render("thank-you", { order });
    expect(r.html).not.toContain("Sold out");
    expect(r.html).toContain("€28.50");
  });

  it("browse-abandoned with a sold-out product says so and never shows its price", async () => {
    const product = { ...base.product!, available: false };
    const r = await render("browse-abandoned", {
      product,
      recommendations: [rec("a", "Alpha Notebook", 12.5)],
    });
    expect(r.subject).toBe("Walnut Desk Lamp has sold out");
    expect(r.html).toContain("Walnut Desk Lamp has sold out");
    expect(r.html).toMatch(/class="btn"[\s\S]*?>Browse the shop<\/a>/);
    expect(r.html + r.text).not.toContain("€89.00");
    expect(r.html).toContain("You might like these instead");
    expect(r.text).toContain("Alpha Notebook");
  });
});

describe("brand colour", () => {
  const BRAND = "#0f766e";
  const full: Partial<TemplateContext> = {
    site: { ...base.site, brand_color: BRAND },
    vars: { offer_text: "15% off", discount_code: "SAVE15" },
    recommendations: [rec("a", "Alpha Notebook", 12.5), rec("c", "Charlie Tote", 45)],
  };

  it("colours every accent and no other accent appears", async () => {
    for (const t of Object.keys(sample.templates)) {
      const r = await render(t, full);
      const button = /<td align="center" bgcolor="([^"]+)"[^>]*background-color:([^;"]+)/.exec(
        r.html,
      );
      expect(button?.slice(1), t).toEqual([BRAND, BRAND]);
      const stray = markupColours(r.html).filter((h) => h !== BRAND && !NEUTRALS.includes(h));
      expect(stray, t).toEqual([]);
    }
  });

  it("reaches the eyebrows, offer box, prices and links", async () => {
    const birthday = await render("birthday", full);
    expect(birthday.html).toMatch(
      new RegExp(`text-transform:uppercase;color:${BRAND};">A little something for your day`),
    );
    expect(birthday.html).toMatch(new RegExp(`class="offer"[^>]*border:2px dashed ${BRAND}`));
    const cart = await render("cart-abandoned", full);
    expect(cart.html).toMatch(new RegExp(`color:${BRAND};">You might also like`));
    expect(cart.html).toMatch(new RegExp(`class="rec-price" style="color:${BRAND};`));
    expect(cart.html).toMatch(
      new RegExp(`class="rec-link" href="[^"]+" style="[^"]*color:${BRAND};`),
    );
    const browse = await render("browse-abandoned", full);
    expect(browse.html).toMatch(new RegExp(`class="price" style="color:${BRAND};[^>]*>€89.00`));
  });

  it("defaults to the neutral #111827 without a brand colour", async () => {
    const r = await render("birthday", { ...full, site: { ...base.site, brand_color: null } });
    expect(r.html).toContain('bgcolor="#111827"');
    expect(markupColours(r.html).filter((h) => !NEUTRALS.includes(h))).toEqual([]);
  });
});
