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
// the cart page, and the footer newsletter form (POST /contact).
import type { IncomingMessage } from "node:http";
import {
  cookiesOf,
  esc,
  listen,
  type Fields,
  type Handled,
  type RecordedRequest,
} from "./fake-platform.ts";

export interface Variant {
  id: number;
  product: string;
  handle: string;
  title: string;
  /** Minor units (cents). */
  price: number;
  /** An automatic discount in percent (final_price below price). */
  discount?: number;
  sku: string;
}

/** The catalog: a product with two variants and a discounted mug. */
export const VARIANTS: Variant[] = [
  {
    id: 44718112309515,
    product: "Waxed Canvas Tote",
    handle: "waxed-canvas-tote",
    title: "Olive",
    price: 4500,
    sku: "TOTE-OLV",
  },
  {
    id: 44718112342283,
    product: "Waxed Canvas Tote",
    handle: "waxed-canvas-tote",
    title: "Sand",
    price: 4950,
    sku: "TOTE-SND",
  },
  {
    id: 44718112407819,
    product: "Enamel Mug",
    handle: "enamel-mug",
    title: "Speckled White",
    price: 1800,
    discount: 10,
    sku: "MUG-SPK",
  },
];

interface Line {
  variant: Variant;
  quantity: number;
  properties: Record<string, string>;
}
export interface Cart {
  token: string;
  lines: Line[];
  attributes: Record<string, string>;
  note: string | null;
}

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

const CURRENCY = "EUR";

const keyOf = (l: Line) =>
  `${l.variant.id}:${Buffer.from(JSON.stringify(l.properties)).toString("hex").slice(0, 32).padEnd(32, "0")}`;
const finalPrice = (v: Variant) => Math.round(v.price * (1 - (v.discount ?? 0) / 100));

export async function startFakeShopify(opts: {
  port: number;
  worker: string;
  site: string;
}): Promise<FakeShopify> {
  const base = `http://127.0.0.1:${opts.port}`;
  const carts = new Map<string, Cart>();
  let seq = 0;

  const lineJson = (l: Line) => {
    const v = l.variant;
    const fp = finalPrice(v);
    const off = v.price - fp;
    const image = `${base}/cdn/shop/files/${v.sku.toLowerCase()}.svg?v=1712345678`;
    return {
      id: v.id,
      properties: l.properties,
      quantity: l.quantity,
      variant_id: v.id,
      key: keyOf(l),
      title: `${v.product} - ${v.title}`,
      price: v.price,
      original_price: v.price,
      discounted_price: fp,
      line_price: fp * l.quantity,
      original_line_price: v.price * l.quantity,
      total_discount: off * l.quantity,
      discounts: off ? [{ amount: off * l.quantity, title: "AUTO10" }] : [],
      sku: v.sku,
      grams: 400,
      vendor: "Slow Mornings",
      taxable: true,
      product_id: 8123456700000 + VARIANTS.findIndex((x) => x.handle === v.handle),
      product_has_only_default_variant: false,
      gift_card: false,
      final_price: fp,
      final_line_price: fp * l.quantity,
      url: `/products/${v.handle}?variant=${v.id}`,
      featured_image: { aspect_ratio: 1, alt: v.product, height: 480, url: image, width: 480 },
      image,
      handle: v.handle,
      requires_shipping: true,
      product_type: "",
      product_title: v.product,
      product_description: `${v.product}, made to last.`,
      variant_title: v.title,
      variant_options: [v.title],
      options_with_values: [{ name: "Color", value: v.title }],
      line_level_discount_allocations: [],
      line_level_total_discount: off * l.quantity,
      has_components: false,
    };
  };

  const cartJson = (c: Cart) => {
    const items = c.lines.map(lineJson);
    const total = items.reduce((s, i) => s + i.final_line_price, 0);
    const original = items.reduce((s, i) => s + i.original_line_price, 0);
    return {
      token: `${c.token}?key=0d9909213054e22d092152de385763f0`,
      note: c.note,
      attributes: c.attributes,
      original_total_price: original,
      total_price: total,
      total_discount: original - total,
      total_weight: items.reduce((s, i) => s + i.grams * i.quantity, 0),
      item_count: items.reduce((s, i) => s + i.quantity, 0),
      items,
      requires_shipping: items.length > 0,
      currency: CURRENCY,
      items_subtotal_price: total,
      cart_level_discount_applications: [],
    };
  };

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
      const lines = added.map((v) => lineJson(c.lines.find((l) => l.variant === v)!));
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
      return json(cartJson(c));
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
      return json(cartJson(c));
    }
    if (action === "clear") {
      c.lines = []; // attributes and note are kept
      return json(cartJson(c));
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
        body: JSON.stringify(cartJson(cart)),
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

  return { url: base, requests, carts, cartJson, close };
}

/**
 * The theme's cart drawer, as themes write one: the Ajax Cart API through fetch (JSON to
 * /cart/add.js, FormData to /cart/add as Dawn does, /cart/change.js, /cart/update.js) and one
 * XMLHttpRequest (clear), then a re-render from /cart.js. It never calls nudge().
 */
const DRAWER_JS = `(function () {
  var root = window.Shopify.routes.root;
  var drawer = document.getElementById("cart-drawer");
  function render(cart) {
    document.getElementById("cart-count").textContent = cart.item_count;
    document.getElementById("drawer-lines").innerHTML = cart.items.map(function (i, n) {
      return "<li>" + i.title + " x " + i.quantity +
        ' <button type="button" class="inc" data-action="change" data-line="' + (n + 1) +
        '" data-quantity="' + (i.quantity + 1) + '">+</button></li>';
    }).join("");
    drawer.dataset.count = String(cart.item_count);
    drawer.dataset.lines = String(cart.items.length);
  }
  function refresh() {
    return fetch(root + "cart.js").then(function (r) { return r.json(); }).then(render);
  }
  function post(path, body) {
    return fetch(root + path, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-action]");
    if (!b) return;
    var a = b.dataset.action, v = Number(b.dataset.variant);
    if (a === "add") post("cart/add.js", { items: [{ id: v, quantity: 1 }] }).then(refresh);
    if (a === "add-form") {
      var fd = new FormData();
      fd.append("id", String(v));
      fd.append("quantity", "1");
      fetch(root + "cart/add", { method: "POST", headers: { "X-Requested-With": "XMLHttpRequest", Accept: "application/javascript" }, body: fd }).then(refresh);
    }
    if (a === "change") post("cart/change.js", { line: Number(b.dataset.line), quantity: Number(b.dataset.quantity) }).then(refresh);
    if (a === "update") {
      var updates = {};
      updates[v] = Number(b.dataset.quantity);
      post("cart/update.js", { updates: updates }).then(function () { location.reload(); });
    }
    if (a === "clear") {
      var x = new XMLHttpRequest();
      x.open("POST", root + "cart/clear.js");
      x.setRequestHeader("Content-Type", "application/json");
      x.onload = function () { refresh(); };
      x.send("{}");
    }
  });
  refresh();
})();`;
