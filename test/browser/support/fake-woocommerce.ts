// A fake WooCommerce store on 127.0.0.1 for the platform adapter's browser tests: the Store API
// cart as documented (woocommerce/plugins/woocommerce/src/StoreApi/docs/cart.md; a sample
// answer is in ../fixtures/platforms/woocommerce-cart.json) under /wp-json/wc/store/v1/ and
// /?rest_route=/wc/store/v1/: GET cart (with a Nonce header), POST cart/add-item, update-item,
// remove-item (a Nonce header required; each answers the whole cart) and batch; the classic
// ?wc-ajax=add_to_cart / remove_from_cart (fragments and cart_hash), the non-JS
// ?add-to-cart=<id> link and the classic cart page's form (update_cart), with session-cookie
// carts. Pages carry ONLY the Nudge tag (`/nudge.js?platform=woocommerce`), WordPress's REST
// link (pretty permalinks, or `?rest_route=/` with the cookie `permalinks=plain`), a jQuery-free
// store script, and on the cart page a minimal jQuery stand-in (`on` / `trigger` on body events)
// as the classic cart script uses it.
import type { IncomingMessage } from "node:http";
import { cookiesOf, esc, listen, type Handled, type RecordedRequest } from "./fake-platform.ts";

export interface Product {
  id: number;
  /** The parent product of a variation. */
  parent?: number;
  /** As WordPress stores and the Store API returns it (entities encoded). */
  name: string;
  slug: string;
  /** Minor units. */
  price: number;
  sku: string;
  variation?: { attribute: string; value: string }[];
}

export const PRODUCTS: Product[] = [
  {
    id: 38,
    name: "Salt &#038; Pepper Mill",
    slug: "salt-pepper-mill",
    price: 1800,
    sku: "mill-set",
  },
  {
    id: 22,
    parent: 20,
    name: "Linen Apron",
    slug: "linen-apron",
    price: 3450,
    sku: "apron-sand",
    variation: [{ attribute: "Color", value: "Sand" }],
  },
  {
    id: 23,
    parent: 20,
    name: "Linen Apron",
    slug: "linen-apron",
    price: 3450,
    sku: "apron-clay",
    variation: [{ attribute: "Color", value: "Clay" }],
  },
  { id: 51, name: "Beeswax Candle", slug: "beeswax-candle", price: 1290, sku: "candle" },
];

interface Line {
  key: string;
  product: Product;
  quantity: number;
}
export interface Cart {
  session: string;
  lines: Line[];
}

export interface FakeWoo {
  url: string;
  requests: RecordedRequest[];
  carts: Map<string, Cart>;
  close(): Promise<void>;
}

const NONCE = "1db1d13784";
const money = {
  currency_code: "EUR",
  currency_symbol: "€",
  currency_minor_unit: 2,
  currency_decimal_separator: ",",
  currency_thousand_separator: ".",
  currency_prefix: "",
  currency_suffix: " €",
};

export async function startFakeWoo(opts: {
  port: number;
  worker: string;
  site: string;
}): Promise<FakeWoo> {
  const base = `http://127.0.0.1:${opts.port}`;
  const carts = new Map<string, Cart>();
  let seq = 0;

  const permalink = (p: Product) =>
    `${base}/product/${p.slug}/${p.variation ? `?attribute_pa_color=${p.variation[0]!.value.toLowerCase()}` : ""}`;
  const image = (p: Product) => `${base}/wp-content/uploads/2026/03/${p.sku}.svg`;

  const itemJson = (l: Line) => {
    const p = l.product;
    const price = String(p.price);
    return {
      key: l.key,
      id: p.id,
      type: p.variation ? "variation" : "simple",
      quantity: l.quantity,
      quantity_limits: { minimum: 1, maximum: 9999, multiple_of: 1, editable: true },
      name: p.name,
      short_description: "<p>Made to last.</p>",
      description: "<p>Made to last, by hand.</p>",
      sku: p.sku,
      low_stock_remaining: null,
      backorders_allowed: false,
      show_backorder_badge: false,
      sold_individually: false,
      permalink: permalink(p),
      images: [
        {
          id: 60 + p.id,
          src: image(p),
          thumbnail: image(p).replace(".svg", "-450x450.svg"),
          srcset: `${image(p)} 800w`,
          sizes: "(max-width: 800px) 100vw, 800px",
          name: `${p.sku}.svg`,
          alt: "",
        },
      ],
      variation: (p.variation ?? []).map((v) => ({ raw_attribute: "attribute_pa_color", ...v })),
      item_data: [],
      prices: {
        price,
        regular_price: price,
        sale_price: price,
        price_range: null,
        ...money,
        raw_prices: {
          precision: 6,
          price: `${price}0000`,
          regular_price: `${price}0000`,
          sale_price: `${price}0000`,
        },
      },
      totals: {
        line_subtotal: String(p.price * l.quantity),
        line_subtotal_tax: "0",
        line_total: String(p.price * l.quantity),
        line_total_tax: "0",
        ...money,
      },
      catalog_visibility: "visible",
      extensions: {},
    };
  };

  const cartJson = (c: Cart) => {
    const total = String(c.lines.reduce((s, l) => s + l.product.price * l.quantity, 0));
    const address = {
      first_name: "",
      last_name: "",
      company: "",
      address_1: "",
      address_2: "",
      city: "",
      state: "",
      postcode: "",
      country: "",
      phone: "",
    };
    return {
      items: c.lines.map(itemJson),
      coupons: [],
      fees: [],
      totals: {
        total_items: total,
        total_items_tax: "0",
        total_fees: "0",
        total_fees_tax: "0",
        total_discount: "0",
        total_discount_tax: "0",
        total_shipping: null,
        total_shipping_tax: null,
        total_price: total,
        total_tax: "0",
        tax_lines: [],
        ...money,
      },
      shipping_address: address,
      billing_address: { ...address, email: "" },
      needs_payment: c.lines.length > 0,
      needs_shipping: c.lines.length > 0,
      payment_requirements: ["products"],
      has_calculated_shipping: false,
      shipping_rates: [],
      items_count: c.lines.reduce((s, l) => s + l.quantity, 0),
      items_weight: 0,
      cross_sells: [],
      errors: [],
      payment_methods: ["bacs", "cod"],
      extensions: {},
    };
  };

  const addLine = (c: Cart, id: unknown, quantity: unknown) => {
    const p = PRODUCTS.find((x) => x.id === Number(id));
    if (!p) return false;
    const q = quantity === undefined || quantity === "" ? 1 : Number(quantity);
    const l = c.lines.find((x) => x.product === p);
    if (l) l.quantity += q;
    else
      c.lines.push({
        key: `${p.id.toString(16)}${(++seq).toString(16)}`.padEnd(32, "a"),
        product: p,
        quantity: q,
      });
    return true;
  };

  const json = (status: number, x: unknown, headers: Record<string, string> = {}): Handled => ({
    status,
    headers: { "content-type": "application/json; charset=UTF-8", ...headers },
    body: JSON.stringify(x),
  });
  const error = (status: number, code: string, message: string) =>
    json(status, { code, message, data: { status } });

  /** One Store API route (`/wc/store/v1/…`); `nonce` is the request's Nonce header. */
  const storeApi = (
    route: string,
    method: string,
    b: Record<string, unknown>,
    c: Cart,
    nonce: string | undefined,
  ): Handled => {
    const r = route.replace(/^\/wc\/store(\/v1)?/, "");
    if (method === "GET" && r === "/cart")
      return json(200, cartJson(c), { Nonce: NONCE, "Cart-Token": c.session });
    if (method !== "POST")
      return error(404, "rest_no_route", "No route was found matching the URL and request method.");
    if (r === "/batch") {
      const requests = (b.requests ?? []) as {
        path: string;
        method?: string;
        body?: Record<string, unknown>;
        headers?: Record<string, string>;
      }[];
      const responses = requests.map((q) => {
        const out = storeApi(
          q.path,
          q.method ?? "POST",
          q.body ?? {},
          c,
          q.headers?.Nonce ?? nonce,
        );
        return { body: JSON.parse(out.body ?? "null") as unknown, status: out.status, headers: {} };
      });
      return json(207, { responses });
    }
    if (nonce !== NONCE)
      return error(
        401,
        "woocommerce_rest_missing_nonce",
        "Missing the Nonce header. This endpoint requires a valid nonce.",
      );
    const line = () => c.lines.find((l) => l.key === b.key);
    if (r === "/cart/add-item") {
      if (!addLine(c, b.id, b.quantity))
        return error(
          400,
          "woocommerce_rest_cart_invalid_product",
          "This product cannot be added to the cart.",
        );
      return json(201, cartJson(c));
    }
    if (r === "/cart/update-item") {
      const l = line();
      if (!l)
        return json(409, {
          code: "woocommerce_rest_cart_invalid_key",
          message: "Cart item no longer exists or is invalid.",
          data: { status: 409, cart: cartJson(c) },
        });
      l.quantity = Number(b.quantity);
      return json(200, cartJson(c));
    }
    if (r === "/cart/remove-item") {
      const l = line();
      if (!l)
        return json(409, {
          code: "woocommerce_rest_cart_invalid_key",
          message: "Cart item no longer exists or is invalid.",
          data: { status: 409, cart: cartJson(c) },
        });
      c.lines.splice(c.lines.indexOf(l), 1);
      return json(200, cartJson(c));
    }
    return error(404, "rest_no_route", "No route was found matching the URL and request method.");
  };

  /** The classic AJAX answer: fragments to swap in and the cart hash. */
  const fragments = (c: Cart) =>
    json(200, {
      fragments: {
        "div.widget_shopping_cart_content": `<div class="widget_shopping_cart_content">${c.lines.length} items</div>`,
      },
      cart_hash: c.lines.map((l) => `${l.key}:${l.quantity}`).join("|"),
    });

  const tag = `<script src="${esc(opts.worker)}/nudge.js?platform=woocommerce" data-site="${esc(opts.site)}" async></script>`;
  const layout = (req: IncomingMessage, title: string, body: string, head = "") => {
    const plain = cookiesOf(req).permalinks === "plain";
    const rest = plain ? `${base}/?rest_route=/` : `${base}/wp-json/`;
    return `<!doctype html>
<html lang="en-US"><head><meta charset="UTF-8"><title>${esc(title)} – Slow Mornings</title>
${tag}
<link rel="https://api.w.org/" href="${esc(rest)}">
<script>var wcBlocksMiddlewareConfig = {"storeApiNonce":"${NONCE}","wcStoreApiNonceTimestamp":"1764750000"}; var wcSettings = {"storeApiRoot":${JSON.stringify(rest)}};</script>
${head}</head><body class="woocommerce-page">
<header><a href="/">Slow Mornings</a> <a href="/cart/">Cart (<span id="mini-cart" data-count="0" data-lines="0">0</span>)</a></header>
<main>${body}</main>
<footer><form id="mc4wp-form-1" class="mc4wp-form" method="post" action="/"><input type="email" name="EMAIL" id="newsletter-email" placeholder="Your email address" required><input type="submit" id="newsletter-submit" value="Sign up"></form></footer>
<script src="/wp-content/themes/storefront/assets/js/store.js"></script>
</body></html>`;
  };

  const productJsonLd = (p: Product) =>
    JSON.stringify({
      "@context": "https://schema.org/",
      "@graph": [
        {
          "@type": "Product",
          "@id": `${permalink(p)}#product`,
          name: p.name.replace("&#038;", "&"),
          url: permalink(p),
          description: "Made to last.",
          image: image(p),
          sku: p.sku,
          offers: [
            {
              "@type": "Offer",
              price: (p.price / 100).toFixed(2),
              priceCurrency: "EUR",
              availability: "http://schema.org/InStock",
              url: permalink(p),
            },
          ],
        },
      ],
    });

  const shopPage = (req: IncomingMessage) =>
    layout(
      req,
      "Shop",
      `<h1>Shop</h1>
<button type="button" id="add-mill" data-action="add-item" data-id="38">Add the mill</button>
<button type="button" id="add-aprons" data-action="batch-add" data-ids="22,23">Add both aprons</button>
<button type="button" id="more-mill" data-action="more" data-id="38">One more mill</button>
<button type="button" id="remove-clay" data-action="remove" data-id="23">Remove the clay apron</button>
<button type="button" id="ajax-candle" data-action="wc-ajax-add" data-id="51">Add a candle (classic)</button>
<a id="link-candle" href="/?add-to-cart=51" rel="nofollow">Add a candle (no JavaScript)</a>`,
      `<script type="application/ld+json">${productJsonLd(PRODUCTS[0]!)}</script>`,
    );

  /** The classic cart page: a form posted by the jQuery cart script, then `updated_cart_totals`. */
  const cartPage = (req: IncomingMessage, c: Cart) =>
    layout(
      req,
      "Cart",
      `<h1>Cart</h1><form class="woocommerce-cart-form" id="cart-form" action="/cart/" method="post">${c.lines
        .map(
          (l) =>
            `<div>${esc(l.product.name)} <input type="number" name="cart[${l.key}][qty]" id="qty-${l.product.sku}" value="${l.quantity}"></div>`,
        )
        .join(
          "",
        )}<button type="submit" name="update_cart" value="Update cart" id="update-cart">Update cart</button></form>`,
      `<script>${JQUERY_STANDIN}</script><script src="/wp-content/plugins/woocommerce/assets/js/frontend/cart.js" defer></script>`,
    );

  const sessionOf = (req: IncomingMessage): { cart: Cart; setCookie?: string } => {
    const found = carts.get(cookiesOf(req).wp_woocommerce_session_4f1d ?? "");
    if (found) return { cart: found };
    const cart: Cart = {
      session: `t_${(++seq).toString(16)}${Date.now().toString(16)}`,
      lines: [],
    };
    carts.set(cart.session, cart);
    return {
      cart,
      setCookie: `wp_woocommerce_session_4f1d=${cart.session}; Path=/; HttpOnly; SameSite=Lax`,
    };
  };

  const { requests, close } = await listen(opts.port, (req, url, body) => {
    const { cart, setCookie } = sessionOf(req);
    const withCookie = (h: Handled): Handled =>
      setCookie ? { ...h, headers: { ...h.headers, "set-cookie": setCookie } } : h;
    const method = req.method ?? "GET";
    const nonce = (req.headers.nonce ?? req.headers["x-wc-store-api-nonce"]) as string | undefined;
    const html = (page: string): Handled =>
      withCookie({
        status: 200,
        headers: { "content-type": "text/html; charset=UTF-8" },
        body: page,
      });
    const path = url.pathname;
    // Without pretty permalinks WordPress has no /wp-json/ rewrite: only ?rest_route= works.
    const plain = cookiesOf(req).permalinks === "plain";
    if (plain && path.startsWith("/wp-json/")) return { status: 404, body: "<h1>Not Found</h1>" };
    const route = path.startsWith("/wp-json/")
      ? path.slice("/wp-json".length)
      : path === "/"
        ? url.searchParams.get("rest_route")
        : null;
    if (route)
      return withCookie(
        storeApi(route, method, { ...Object.fromEntries(url.searchParams), ...body }, cart, nonce),
      );
    const ajax = path === "/" && url.searchParams.get("wc-ajax");
    if (ajax === "add_to_cart" && method === "POST") {
      if (!addLine(cart, body.product_id, body.quantity))
        return json(200, { error: true, product_url: `${base}/shop/` });
      return withCookie(fragments(cart));
    }
    if (ajax === "remove_from_cart" && method === "POST") {
      const l = cart.lines.find((x) => x.key === body.cart_item_key);
      if (l) cart.lines.splice(cart.lines.indexOf(l), 1);
      return withCookie(fragments(cart));
    }
    if (path === "/" && url.searchParams.get("add-to-cart") && method === "GET") {
      addLine(
        cart,
        url.searchParams.get("add-to-cart"),
        url.searchParams.get("quantity") ?? undefined,
      );
      return html(shopPage(req));
    }
    if (path === "/" && method === "POST" && body.EMAIL)
      return { status: 302, headers: { location: "/?mc4wp-success=1" } };
    if (path === "/cart/" && method === "POST" && body.update_cart) {
      const q = (body.cart ?? {}) as Record<string, { qty: string }>;
      for (const [key, { qty }] of Object.entries(q)) {
        const l = cart.lines.find((x) => x.key === key);
        if (!l) continue;
        if (Number(qty) <= 0) cart.lines.splice(cart.lines.indexOf(l), 1);
        else l.quantity = Number(qty);
      }
      return html(cartPage(req, cart));
    }
    if (path === "/cart/" && method === "GET") return html(cartPage(req, cart));
    if ((path === "/" || path === "/shop/") && method === "GET") return html(shopPage(req));
    if (path === "/wp-content/themes/storefront/assets/js/store.js")
      return { status: 200, headers: { "content-type": "application/javascript" }, body: STORE_JS };
    if (path === "/wp-content/plugins/woocommerce/assets/js/frontend/cart.js")
      return { status: 200, headers: { "content-type": "application/javascript" }, body: CART_JS };
    if (path.startsWith("/wp-content/uploads/"))
      return {
        status: 200,
        headers: { "content-type": "image/svg+xml" },
        body: '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>',
      };
    return { status: 404, body: "not found" };
  });

  return { url: base, requests, carts, close };
}

/**
 * The store's script, jQuery-free, as block themes and headless carts call WooCommerce: the Store
 * API by fetch (add-item, batch, update-item with the Nonce header; the answer is the cart the
 * mini cart shows), remove-item and the classic ?wc-ajax=add_to_cart by XMLHttpRequest. It never
 * calls nudge().
 */
const STORE_JS = `(function () {
  var root = wcSettings.storeApiRoot, nonce = wcBlocksMiddlewareConfig.storeApiNonce;
  var mini = document.getElementById("mini-cart");
  var keys = {};
  function url(route) { return root + route; } // /wp-json/… or /?rest_route=/…
  function show(cart) {
    keys = {};
    cart.items.forEach(function (i) { keys[i.id] = i.key; });
    mini.textContent = cart.items_count;
    mini.dataset.count = String(cart.items_count);
    mini.dataset.lines = String(cart.items.length);
  }
  function refresh() { return fetch(url("wc/store/v1/cart")).then(function (r) { return r.json(); }).then(show); }
  function post(route, body) {
    return fetch(url("wc/store/v1/" + route), { method: "POST", headers: { "Content-Type": "application/json", Nonce: nonce }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-action]");
    if (!b) return;
    var a = b.dataset.action, id = Number(b.dataset.id);
    if (a === "add-item") post("cart/add-item", { id: id, quantity: 1 }).then(show);
    if (a === "batch-add") post("batch", { requests: b.dataset.ids.split(",").map(function (i) {
      return { path: "/wc/store/v1/cart/add-item", method: "POST", cache: "no-store", body: { id: Number(i), quantity: 1 }, headers: { Nonce: nonce } };
    }) }).then(refresh);
    if (a === "more") post("cart/update-item", { key: keys[id], quantity: 2 }).then(show);
    if (a === "remove") {
      var x = new XMLHttpRequest();
      x.open("POST", url("wc/store/v1/cart/remove-item"));
      x.setRequestHeader("Content-Type", "application/json");
      x.setRequestHeader("Nonce", nonce);
      x.onload = function () { show(JSON.parse(x.responseText)); };
      x.send(JSON.stringify({ key: keys[id] }));
    }
    if (a === "wc-ajax-add") {
      var y = new XMLHttpRequest();
      y.open("POST", "/?wc-ajax=add_to_cart");
      y.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
      y.onload = refresh;
      y.send("product_id=" + id + "&quantity=1");
    }
  });
  refresh();
})();`;

/** Just what the classic cart script uses of jQuery: body events (`on`, `trigger`). */
const JQUERY_STANDIN = `window.jQuery = function (el) {
  return {
    on: function (events, f) { events.split(" ").forEach(function (t) { el.addEventListener("jq:" + t, f); }); return this; },
    trigger: function (t) { el.dispatchEvent(new Event("jq:" + t)); return this; },
  };
};`;

/**
 * The classic cart page's script, as WooCommerce's cart.js behaves: the form is posted in the
 * background (to the cart page's own URL, which says nothing of a cart change), the page's cart
 * is swapped in, then jQuery's \`updated_cart_totals\` is triggered on the body.
 */
const CART_JS = `(function () {
  var form = document.getElementById("cart-form");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var data = new URLSearchParams(new FormData(form));
    data.set("update_cart", "Update cart");
    fetch(form.action, { method: "POST", body: data }).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      form.innerHTML = doc.getElementById("cart-form").innerHTML;
      jQuery(document.body).trigger("updated_cart_totals");
      document.body.dataset.updated = String(Number(document.body.dataset.updated || 0) + 1);
    });
  });
})();`;
