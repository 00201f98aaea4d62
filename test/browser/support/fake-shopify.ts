// A fake Shopify storefront on 127.0.0.1 for the platform adapter's browser tests: the Ajax Cart
// API as documented (shopify.dev/docs/api/ajax/reference/cart; a sample answer is in
// ../fixtures/platforms/shopify-cart.json) with cookie carts: GET /cart.js; POST /cart/add
// (`id` + `quantity`, or `items[]`; JSON, urlencoded or multipart), /cart/change (`id` or
// `line`, `quantity`), /cart/update (`updates` by variant id or key, or an array; `attributes`,
// `note`), /cart/clear; each with `.js` (JSON answer) or without (a form post: 302 to /cart,
// unless the request asks for JSON as themes' fetch calls do); all also under a locale prefix
// (/en/cart/add.js). Pages: a theme whose layout carries ONLY the Nudge tag
// (`/nudge.js?platform=shopify` from the stack's worker), product pages with JSON-LD, a product
// form that posts without JavaScript, a cart drawer script that uses fetch (and XHR for clear),
// the cart page, and the footer newsletter form (POST /contact). The catalog and the cart's JSON
// are in ./fake-shopify-cart.ts, the cart drawer's script in ./fake-shopify-scripts.ts.
import type { IncomingMessage } from "node:http";
import {
  cookiesOf,
  esc,
  listen,
  type Fields,
  type Handled,
  type RecordedRequest,
} from "./fake-platform.ts";
import {
  cartJson,
  CURRENCY,
  finalPrice,
  keyOf,
  lineJson,
  VARIANTS,
  type Cart,
  type Line,
  type Variant,
} from "./fake-shopify-cart.ts";
import { DRAWER_JS } from "./fake-shopify-scripts.ts";

export { VARIANTS, type Cart, type Variant } from "./fake-shopify-cart.ts";

export interface FakeShopify {
  url: string;
  /** Every request the store received, with its parsed body. */
  requests: RecordedRequest[];
  /** The cart a cookie token names. */
  carts: Map<string, Cart>;
  /** The answer of GET /cart.js for a cart. */
  cartJson(cart: Cart): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startFakeShopify(opts: {
  port: number;
  worker: string;
  site: string;
}): Promise<FakeShopify> {
  const base = `http://127.0.0.1:${opts.port}`;
  const carts = new Map<string, Cart>();
  let seq = 0;

  const cartError = (status: number, description: string): Handled => ({
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status, message: "Cart Error", description }),
  });

  const add = (c: Cart, id: unknown, quantity: unknown, properties: unknown) => {
    const v = VARIANTS.find((x) => x.id === Number(id));
    if (!v) return false;
    const props = (properties ?? {}) as Record<string, string>;
    const q = quantity === undefined || quantity === "" ? 1 : Number(quantity);
    const l = c.lines.find(
      (x) => x.variant === v && keyOf(x) === keyOf({ variant: v, quantity: 0, properties: props }),
    );
    if (l) l.quantity += q;
    else c.lines.push({ variant: v, quantity: q, properties: props });
    return true;
  };

  /** A line by variant id or line key (change.js `id`, update.js `updates` keys). */
  const lineBy = (c: Cart, id: unknown) =>
    c.lines.find((l) => String(l.variant.id) === String(id) || keyOf(l) === String(id));
  const setQuantity = (c: Cart, l: Line | undefined, q: number) => {
    if (!l) return false;
    if (q <= 0) c.lines.splice(c.lines.indexOf(l), 1);
    else l.quantity = q;
    return true;
  };

  const cartApi = (action: string, c: Cart, b: Record<string, unknown>): Handled | null => {
    const json = (x: unknown): Handled => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(x),
    });
    if (action === "add") {
      const list = b.items ? Object.values(b.items as Fields | unknown[]) : [b];
      const added: Variant[] = [];
      for (const it of list as Record<string, unknown>[]) {
        if (!add(c, it.id, it.quantity, it.properties))
          return cartError(422, "Cannot find variant");
        added.push(VARIANTS.find((v) => v.id === Number(it.id))!);
      }
      const lines = added.map((v) =>
        lineJson(
          base,
          c.lines.find((l) => l.variant === v)!,
        ),
      );
      return json(b.items ? { items: lines } : lines[0]);
    }
    if (action === "change") {
      const l = b.line !== undefined ? c.lines[Number(b.line) - 1] : lineBy(c, b.id);
      if (b.quantity !== undefined && !setQuantity(c, l, Number(b.quantity)))
        return {
          status: 400,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            status: "bad_request",
            message: "no valid id or line parameter",
            description: "no valid id or line parameter",
          }),
        };
      return json(cartJson(base, c));
    }
    if (action === "update") {
      const u = b.updates;
      if (Array.isArray(u))
        [...c.lines].forEach((l, i) => u[i] !== undefined && setQuantity(c, l, Number(u[i])));
      else if (u && typeof u === "object")
        for (const [id, q] of Object.entries(u)) {
          const l = lineBy(c, id);
          if (l) setQuantity(c, l, Number(q));
          else if (Number(q) > 0 && !add(c, id, q, {}))
            return cartError(404, "Cannot find variant");
        }
      if (b.attributes && typeof b.attributes === "object")
        for (const [k, v] of Object.entries(b.attributes)) {
          if (v === "" || v === null) delete c.attributes[k];
          else c.attributes[k] = String(v);
        }
      if (typeof b.note === "string") c.note = b.note;
      return json(cartJson(base, c));
    }
    if (action === "clear") {
      c.lines = []; // attributes and note are kept
      return json(cartJson(base, c));
    }
    return null;
  };

  const tag = `<script src="${esc(opts.worker)}/nudge.js?platform=shopify" data-site="${esc(opts.site)}" async></script>`;
  const layout = (title: string, body: string, head = "") => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} – Slow Mornings</title>
<script>var Shopify = Shopify || {}; Shopify.shop = "slow-mornings.myshopify.com"; Shopify.locale = "en"; Shopify.currency = {"active":"EUR","rate":"1.0"}; Shopify.routes = Shopify.routes || {}; Shopify.routes.root = "/en/";</script>
${tag}
${head}<script src="/cdn/shop/t/2/assets/cart-drawer.js" defer></script></head><body>
<header><a href="/en">Slow Mornings</a> <a href="/en/cart" id="cart-icon">Cart (<span id="cart-count">0</span>)</a></header>
<main>${body}</main>
<aside id="cart-drawer" data-count="0"><ul id="drawer-lines"></ul></aside>
<footer><form method="post" action="/contact#contact_form" id="contact_form" accept-charset="UTF-8" class="newsletter-form"><input type="hidden" name="form_type" value="customer"><input type="hidden" name="utf8" value="✓"><input type="hidden" name="contact[tags]" value="newsletter">
<input id="NewsletterForm--footer" type="email" name="contact[email]" autocomplete="email" placeholder="Email"><button type="submit" id="newsletter-submit">Subscribe</button></form></footer>
</body></html>`;

  const productJsonLd = (handle: string) => {
    const vs = VARIANTS.filter((v) => v.handle === handle);
    return JSON.stringify({
      "@context": "http://schema.org/",
      "@type": "Product",
      name: vs[0]!.product,
      url: `${base}/products/${handle}`,
      image: [`${base}/cdn/shop/files/${vs[0]!.sku.toLowerCase()}.svg?v=1712345678&width=1920`],
      description: `${vs[0]!.product}, made to last.`,
      sku: vs[0]!.sku,
      brand: { "@type": "Brand", name: "Slow Mornings" },
      offers: vs.map((v) => ({
        "@type": "Offer",
        availability: "http://schema.org/InStock",
        price: (finalPrice(v) / 100).toFixed(2),
        priceCurrency: CURRENCY,
        url: `${base}/products/${handle}?variant=${v.id}`,
      })),
    });
  };

  const productPage = (handle: string) => {
    const vs = VARIANTS.filter((v) => v.handle === handle);
    if (!vs.length) return null;
    const buttons = vs
      .map((v, i) => {
        // Themes differ: one button posts JSON to /cart/add.js, the other FormData to /cart/add.
        const how = i % 2 ? "add-form" : "add";
        return `<button type="button" id="add-${v.sku.toLowerCase()}" data-action="${how}" data-variant="${v.id}">Add ${esc(v.title)} to cart</button>`;
      })
      .join("\n");
    return layout(
      vs[0]!.product,
      `<h1>${esc(vs[0]!.product)}</h1>
${buttons}
<form method="post" action="/cart/add" id="product-form" accept-charset="UTF-8" enctype="multipart/form-data" data-type="add-to-cart-form">
<input type="hidden" name="form_type" value="product"><input type="hidden" name="utf8" value="✓">
<select name="id" id="variant-select">${vs.map((v) => `<option value="${v.id}">${esc(v.title)}</option>`).join("")}</select>
<input type="number" name="quantity" value="1" min="1"><button type="submit" name="add" id="product-form-submit">Add to cart</button></form>`,
      `<script type="application/ld+json">${productJsonLd(handle)}</script>`,
    );
  };

  const cartPage = (c: Cart) =>
    layout(
      "Your cart",
      `<h1>Your cart</h1><table id="cart-lines">${c.lines
        .map(
          (l) =>
            `<tr><td>${esc(`${l.variant.product} - ${l.variant.title}`)}</td><td>${l.quantity}</td><td><button type="button" data-action="update" data-variant="${l.variant.id}" data-quantity="0" id="remove-${l.variant.sku.toLowerCase()}">Remove</button></td></tr>`,
        )
        .join(
          "",
        )}</table><button type="button" data-action="clear" id="clear-cart">Clear cart</button>`,
    );

  const html = (body: string, headers: Record<string, string> = {}): Handled => ({
    status: 200,
    headers: { "content-type": "text/html; charset=utf-8", ...headers },
    body,
  });

  const cartOf = (req: IncomingMessage): { cart: Cart; setCookie?: string } => {
    const token = cookiesOf(req).cart;
    const found = token ? carts.get(token) : undefined;
    if (found) return { cart: found };
    const cart: Cart = {
      token: `c1-${(++seq).toString(16).padStart(8, "0")}${Date.now().toString(16)}`,
      lines: [],
      attributes: {},
      note: null,
    };
    carts.set(cart.token, cart);
    return { cart, setCookie: `cart=${cart.token}; Path=/; SameSite=Lax` };
  };

  const { requests, close } = await listen(opts.port, (req, url, body) => {
    const { cart, setCookie } = cartOf(req);
    const withCookie = (h: Handled): Handled =>
      setCookie ? { ...h, headers: { ...h.headers, "set-cookie": setCookie } } : h;
    // Locale-aware URLs: /en/cart/add.js is /cart/add.js.
    const path = url.pathname.replace(/^\/[a-z]{2}(-[a-z]{2})?(?=\/|$)/, "") || "/";
    if (req.method === "GET" && (path === "/cart.js" || path === "/cart.json"))
      return withCookie({
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(cartJson(base, cart)),
      });
    const api = /^\/cart\/(add|change|update|clear)(\.js)?$/.exec(path);
    if (req.method === "POST" && api) {
      const out = cartApi(api[1]!, cart, body);
      if (!out) return { status: 404, body: "not found" };
      const wantsJson =
        api[2] === ".js" ||
        req.headers["x-requested-with"] === "XMLHttpRequest" ||
        /json|javascript/.test(req.headers.accept ?? "");
      // A plain form post: the browser goes to the cart page.
      return withCookie(wantsJson ? out : { status: 302, headers: { location: "/cart" } });
    }
    if (req.method === "GET" && path === "/cart") return withCookie(html(cartPage(cart)));
    // A cart permalink (/cart/<variant>:<quantity>,…): the cart becomes exactly those lines.
    const permalink = /^\/cart\/(\d+:\d+(?:,\d+:\d+)*)$/.exec(path);
    if (req.method === "GET" && permalink) {
      const lines: Line[] = [];
      for (const pair of permalink[1]!.split(",")) {
        const [id, q] = pair.split(":").map(Number);
        const variant = VARIANTS.find((v) => v.id === id);
        if (!variant) return { status: 404, body: "no such variant" };
        lines.push({ variant, quantity: q!, properties: {} });
      }
      cart.lines = lines;
      return withCookie({ status: 302, headers: { location: "/cart" } });
    }
    if (req.method === "POST" && path === "/contact")
      return { status: 302, headers: { location: "/?customer_posted=true#contact_form" } };
    if (req.method === "GET" && path === "/")
      return withCookie(
        html(
          layout(
            "Home",
            `<h1>Slow Mornings</h1><a href="/products/waxed-canvas-tote">Waxed Canvas Tote</a>`,
          ),
        ),
      );
    const product = /^\/products\/([a-z0-9-]+)$/.exec(path);
    const page = product && productPage(product[1]!);
    if (req.method === "GET" && page) return withCookie(html(page));
    if (path === "/cdn/shop/t/2/assets/cart-drawer.js")
      return {
        status: 200,
        headers: { "content-type": "application/javascript" },
        body: DRAWER_JS,
      };
    if (path.startsWith("/cdn/shop/files/"))
      return {
        status: 200,
        headers: { "content-type": "image/svg+xml" },
        body: '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>',
      };
    return { status: 404, body: "not found" };
  });

  return { url: base, requests, carts, cartJson: (c: Cart) => cartJson(base, c), close };
}
