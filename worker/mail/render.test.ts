// renderEmail over every default template with sample data, plus hostile input and overrides.
import { describe, expect, it } from "vitest";
import sample from "../../templates/sample-data.json";
import { TEMPLATE_NAMES } from "../../templates/bundle.ts";
import type { TemplateContext } from "./context.ts";
import { makeLinkSigner } from "./links.ts";
import { parseTemplateOverride, renderEmail } from "./render.ts";
import { verifyToken } from "./tokens.ts";

const SECRET = "render-test-secret";
const BASE = "https://nudge.example.com";
const signer = makeLinkSigner(
  SECRET,
  BASE,
  {
    site: "demo",
    contact: "c_1",
    email: "ada@example.com",
    trigger: "cart-abandoned",
    episode: "ep1",
    step: 0,
    variant: null,
  },
  0,
);
const ctx: TemplateContext = sample.context;
const specs: Record<string, { subject: string; marketing: boolean }> = sample.templates;

function hrefs(html: string): string[] {
  return [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1] ?? "");
}

describe("default templates", () => {
  it("are each covered by the sample data (templates/sample-data.json)", () => {
    expect([...TEMPLATE_NAMES].sort()).toEqual(Object.keys(specs).sort());
  });

  for (const name of Object.keys(specs)) {
    it(`${name} renders with tracked links, pixel, footer and unsubscribe`, async () => {
      const spec = specs[name]!;
      const r = await renderEmail({
        template: name,
        ...spec,
        context: ctx,
        signer,
        allowedOrigins: sample.origins,
      });
      if (!r.ok) throw new Error(r.message);
      // The call to action: a tracked site link, or (the confirmation email) our /v/ page.
      const to = name === "confirm" ? "v" : "c";
      for (const part of [r.subject, r.html, r.text]) {
        expect(part).not.toMatch(/\{\{|\}\}|\{%|%\}/);
      }
      expect(r.subject.length).toBeGreaterThan(3);
      const links = hrefs(r.html);
      expect(links.length).toBeGreaterThan(1);
      for (const h of links)
        expect(h).toMatch(
          /^https:\/\/nudge\.example\.com\/(c|u|v)\/[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/,
        );
      expect(links.some((h) => h.includes(`/${to}/`))).toBe(true);
      // One clear call to action: the button has a label and a tracked link.
      const cta = new RegExp(
        `class="btn"[\\s\\S]*?<a href="(https://nudge\\.example\\.com/${to}/[^"]+)"[^>]*>([^<]{4,})</a>`,
      ).exec(r.html);
      expect(cta, "call-to-action button").not.toBeNull();
      expect(r.html).toMatch(
        /<img src="https:\/\/nudge\.example\.com\/o\/[^"]+" width="1" height="1" alt=""/,
      );
      expect(r.html).toContain("1 Example Street, Springfield");
      expect(r.text).toContain("1 Example Street, Springfield");
      expect(r.text).toContain(`https://nudge.example.com/${to}/`);
      expect(r.text).not.toContain("127.0.0.1:8080");
      if (spec.marketing) {
        expect(links.some((h) => h.includes("/u/"))).toBe(true);
        expect(r.text).toMatch(/Unsubscribe: https:\/\/nudge\.example\.com\/u\//);
        expect(r.headers["List-Unsubscribe"]).toMatch(
          /^<https:\/\/nudge\.example\.com\/u\/[^>]+>$/,
        );
        expect(r.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
      } else {
        expect(r.headers).toEqual({});
      }
      // Each click link is signed for a destination on the site's origin.
      for (const h of links.filter((l) => l.includes("/c/"))) {
        const v = await verifyToken(SECRET, h.split("/c/")[1] ?? "", 0, "click");
        expect(v.ok && v.payload.url.startsWith("http://127.0.0.1:8080/")).toBe(true);
      }
    });
  }

  it("formats money in the cart's currency", async () => {
    const r = await renderEmail({
      template: "cart-abandoned",
      subject: "x",
      context: ctx,
      marketing: true,
      signer,
    });
    expect(r.ok && r.html).toContain("€100.40");
    const usd = { ...ctx, cart: { ...ctx.cart!, currency: "USD" } };
    const r2 = await renderEmail({
      template: "cart-abandoned",
      subject: "x",
      context: usd,
      marketing: true,
      signer,
    });
    expect(r2.ok && r2.text).toContain("$100.40");
  });
});

describe("hostile input", () => {
  const hostile: TemplateContext = {
    ...ctx,
    contact: {
      email: "x@example.com",
      first_name: `<script>alert(1)</script>"'`,
      traits: { site: `javascript:alert(document.cookie)`, quote: `" onmouseover="alert(1)` },
    },
    product: {
      id: "p",
      name: `"><img src=x onerror=alert(1)>`,
      price: 1,
      url: "javascript:alert(1)",
      image: "javascript:alert(2)",
    },
    links: {
      ...ctx.links,
      cart: "javascript:alert(3)",
      shop: "data:text/html,<script>alert(4)</script>",
    },
  };

  it("escapes traits and never emits script or javascript: links", async () => {
    for (const template of ["browse-abandoned", "cart-abandoned", "welcome"]) {
      const r = await renderEmail({
        template,
        subject: "Hi {{ contact.first_name }}",
        context: hostile,
        marketing: true,
        signer,
      });
      if (!r.ok) throw new Error(r.message);
      expect(r.html).not.toMatch(/<script/i);
      expect(r.html).not.toMatch(/<img src=x/i);
      expect(r.html).toContain("&lt;script&gt;");
      expect(r.html).not.toMatch(/(href|src)\s*=\s*["']?\s*(javascript|data):/i);
      for (const h of hrefs(r.html)) expect(h).toMatch(/^https:\/\//);
      expect(r.subject).not.toMatch(/[\r\n]/);
    }
  });

  it("drops unsafe hrefs even in a site override, and keeps attribute values quoted", async () => {
    const overrides = parseTemplateOverride(
      "custom",
      `<html><body><a href="javascript:alert(1)">x</a><a href='{{ contact.traits.quote }}'>y</a>` +
        `<a href="{{ contact.traits.site }}">z</a><a href="mailto:help@example.com">m</a>` +
        `<a href="https://other.example.org/ig">ig</a><a href="http://127.0.0.1:8080/p?a=1&amp;b=2">p</a></body></html>`,
    );
    const r = await renderEmail({
      template: "custom",
      subject: "s",
      context: hostile,
      marketing: false,
      signer,
      overrides,
      allowedOrigins: sample.origins,
    });
    if (!r.ok) throw new Error(r.message);
    expect(r.html).not.toContain("javascript:");
    expect(r.html).not.toMatch(/onmouseover="/);
    expect(r.html).toContain(`href="mailto:help@example.com"`);
    expect(r.html).not.toContain("other.example.org"); // off-site: removed, never left in
    const tracked = hrefs(r.html).find((h) => h.includes("/c/")) ?? "";
    const v = await verifyToken(SECRET, tracked.split("/c/")[1] ?? "", 0, "click");
    expect(v.ok && v.payload.url).toBe("http://127.0.0.1:8080/p?a=1&b=2");
    expect(r.text).toContain("x"); // derived text part
  });
});

describe("content a shopper cannot steer", () => {
  it("keeps images only from the site's origins and the image hosts, and no off-site link in text", async () => {
    const overrides = parseTemplateOverride(
      "imgs",
      `<html><body><img src="http://127.0.0.1:8080/img/a.jpg"><img src="https://cdn.example.net/b.jpg">` +
        `<img src="https://evil.example/c.gif"><p>{{ contact.traits.note }}</p></body></html>`,
    );
    const r = await renderEmail({
      template: "imgs",
      subject: "s",
      context: {
        ...sample.context,
        contact: { ...sample.context.contact, traits: { note: "see https://evil.example/x" } },
      } as TemplateContext,
      marketing: false,
      signer,
      overrides,
      allowedOrigins: sample.origins,
      imageHosts: ["cdn.example.net"],
    });
    if (!r.ok) throw new Error(r.message);
    expect(r.html).toContain(`src="http://127.0.0.1:8080/img/a.jpg"`);
    expect(r.html).toContain(`src="https://cdn.example.net/b.jpg"`);
    expect(r.html).not.toMatch(/(src|href)="[^"]*evil\.example/);
    expect(r.text).not.toContain("evil.example"); // a bare off-site URL in the text part too
  });
});

describe("cartLink", () => {
  const permalink =
    "http://127.0.0.1:8080/cart/{% for i in cart.items %}{{ i.id }}:{{ i.quantity }}{% unless forloop.last %},{% endunless %}{% endfor %}";

  const renderWith = (cartLink: string) =>
    renderEmail({
      template: "cart-abandoned",
      subject: "s",
      context: ctx,
      marketing: true,
      signer,
      allowedOrigins: sample.origins,
      cartLink,
    });

  it("renders the site's cart permalink over the items into the tracked cart link", async () => {
    const r = await renderWith(permalink);
    if (!r.ok) throw new Error(r.message);
    const ids = ctx.cart!.items.map((i) => `${i.id}:${i.quantity ?? 1}`).join(",");
    const destinations = await Promise.all(
      hrefs(r.html)
        .filter((h) => h.includes("/c/"))
        .map(async (h) => {
          const v = await verifyToken(SECRET, h.split("/c/")[1]!, 0, "click");
          return v.ok ? v.payload.url : null;
        }),
    );
    expect(destinations).toContain(`http://127.0.0.1:8080/cart/${ids}`);
  });

  it("keeps the configured cart link when the Liquid does not give a URL", async () => {
    const r = await renderWith("{% if false %}x{% endif %}");
    if (!r.ok) throw new Error(r.message);
    expect(r.text).toContain("Return to your cart: https://nudge.example.com/c/");
  });
});

describe("errors and overrides", () => {
  it("reports a syntax error with the file name", async () => {
    const r = await renderEmail({
      template: "broken",
      subject: "s",
      context: ctx,
      marketing: true,
      signer,
      overrides: { "broken.html": "<p>{% if %}</p>" },
    });
    expect(r).toMatchObject({ ok: false, reason: "template_error" });
    expect(!r.ok && r.message).toMatch(/^broken\.html: /);
  });

  it("reports an unknown filter and a bad subject", async () => {
    const r = await renderEmail({
      template: "welcome",
      subject: "{{ x | nope }}",
      context: ctx,
      marketing: true,
      signer,
    });
    expect(r).toMatchObject({ ok: false, reason: "template_error" });
    expect(!r.ok && r.message).toMatch(/^subject: .*nope/);
  });

  it("reports a missing template", async () => {
    const r = await renderEmail({
      template: "nope",
      subject: "s",
      context: ctx,
      marketing: true,
      signer,
    });
    expect(r).toMatchObject({ ok: false, reason: "template_not_found" });
  });

  it("renders undefined variables as empty", async () => {
    const overrides = parseTemplateOverride(
      "o",
      JSON.stringify({ html: "<p>[{{ nothing.here }}]</p>", text: "[{{ nope }}]" }),
    );
    const r = await renderEmail({
      template: "o",
      subject: "s",
      context: ctx,
      marketing: true,
      signer,
      overrides,
    });
    expect(r.ok && r.html).toContain("<p>[]</p>");
    expect(r.ok && r.text).toMatch(/^\[\]/);
  });

  it("adds the footer when a marketing override lacks it", async () => {
    const r = await renderEmail({
      template: "bare",
      subject: "s",
      context: ctx,
      marketing: true,
      signer,
      overrides: { "bare.html": "<html><body><p>Hello</p></body></html>", "bare.txt": "Hello" },
    });
    if (!r.ok) throw new Error(r.message);
    expect(r.html).toMatch(
      /1 Example Street, Springfield<br><a href="https:\/\/nudge\.example\.com\/u\//,
    );
    expect(r.html.indexOf("/u/")).toBeLessThan(r.html.indexOf("</body>"));
    expect(r.text).toMatch(
      /Hello\n\n--\nDemo Shop · 1 Example Street, Springfield\nUnsubscribe: https:\/\/nudge/,
    );
  });

  it("layers an HTML-only override over the default layout partials", async () => {
    const overrides = parseTemplateOverride(
      "welcome",
      `{% layout "_layout.html" %}{% block content %}<p>Custom hi {{ contact.first_name }}</p>{% endblock %}`,
    );
    const r = await renderEmail({
      template: "welcome",
      subject: "s",
      context: ctx,
      marketing: true,
      signer,
      overrides,
    });
    expect(r.ok && r.html).toContain("Custom hi Ada");
    expect(r.ok && r.text).toContain("Custom hi Ada");
  });

  it("kept engines never serve a stale override, subject or context", async () => {
    const render = (html: string | null, subject: string, first: string) =>
      renderEmail({
        template: "welcome",
        subject,
        context: { ...ctx, contact: { ...ctx.contact, first_name: first } },
        marketing: true,
        signer,
        overrides: parseTemplateOverride("welcome", html),
      });
    const a = await render(
      "<p>Version A {{ contact.first_name }}</p>",
      "A {{ contact.first_name }}",
      "Ada",
    );
    const b = await render(
      "<p>Version B {{ contact.first_name }}</p>",
      "B {{ contact.first_name }}",
      "Bo",
    );
    const again = await render(
      "<p>Version A {{ contact.first_name }}</p>",
      "A {{ contact.first_name }}",
      "Cy",
    );
    const bundled = await render(null, "Hi", "Di");
    expect(a.ok && [a.subject, a.html.includes("Version A Ada")]).toEqual(["A Ada", true]);
    expect(b.ok && [b.subject, b.html.includes("Version B Bo")]).toEqual(["B Bo", true]);
    expect(again.ok && [again.subject, again.html.includes("Version A Cy")]).toEqual([
      "A Cy",
      true,
    ]);
    expect(bundled.ok && !bundled.html.includes("Version")).toBe(true);
  });
});
