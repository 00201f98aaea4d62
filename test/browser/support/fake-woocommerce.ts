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
// as the classic cart script uses it. The catalog and the cart's JSON are in
// ./fake-woocommerce-cart.ts, the in-page scripts in ./fake-woocommerce-scripts.ts.
import type { IncomingMessage } from "node:http";
import { cookiesOf, esc, listen, type Handled, type RecordedRequest } from "./fake-platform.ts";
import {
  cartJson,
  image,
  NONCE,
  permalink,
  PRODUCTS,
  type Cart,
  type Product,
} from "./fake-woocommerce-cart.ts";
import { CART_JS, JQUERY_STANDIN, STORE_JS } from "./fake-woocommerce-scripts.ts";

export { PRODUCTS, type Cart, type Product } from "./fake-woocommerce-cart.ts";

export interface FakeWoo {
  url: string;
  requests: RecordedRequest[];
  carts: Map<string, Cart>;
  close(): Promise<void>;
}

export async function startFakeWoo(opts: {
  port: number;
  worker: string;
  site: string;
}): Promise<FakeWoo> {
  const base = `http://127.0.0.1:${opts.port}`;
  const carts = new Map<string, Cart>();
  let seq = 0;

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
      return json(200, cartJson(base, c), { Nonce: NONCE, "Cart-Token": c.session });
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
      return json(201, cartJson(base, c));
    }
    if (r === "/cart/update-item") {
      const l = line();
      if (!l)
        return json(409, {
          code: "woocommerce_rest_cart_invalid_key",
          message: "Cart item no longer exists or is invalid.",
          data: { status: 409, cart: cartJson(base, c) },
        });
      l.quantity = Number(b.quantity);
      return json(200, cartJson(base, c));
    }
    if (r === "/cart/remove-item") {
      const l = line();
      if (!l)
        return json(409, {
          code: "woocommerce_rest_cart_invalid_key",
          message: "Cart item no longer exists or is invalid.",
          data: { status: 409, cart: cartJson(base, c) },
        });
      c.lines.splice(c.lines.indexOf(l), 1);
      return json(200, cartJson(base, c));
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
          "@id": `${permalink(base, p)}#product`,
          name: p.name.replace("&#038;", "&"),
          url: permalink(base, p),
          description: "Made to last.",
          image: image(base, p),
          sku: p.sku,
          offers: [
            {
              "@type": "Offer",
              price: (p.price / 100).toFixed(2),
              priceCurrency: "EUR",
              availability: "http://schema.org/InStock",
              url: permalink(base, p),
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
