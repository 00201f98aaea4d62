// The demo storefront: a small shop on its own origin (default http://127.0.0.1:8080) with the
// Nudge tag, schema.org Product JSON-LD on product pages, a cart the store keeps itself, a
// checkout and a newsletter form. No dependencies; used by `npm start` and the browser tests.
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const products = JSON.parse(readFileSync(join(here, "products.json"), "utf8"));
const assets = {
  "/shop.js": ["application/javascript", readFileSync(join(here, "public/shop.js"))],
  "/style.css": ["text/css", readFileSync(join(here, "public/style.css"))],
};

const esc = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
const money = (n, cur) =>
  new Intl.NumberFormat("en-IE", { style: "currency", currency: cur }).format(n);

function layout({ title, body, head = "", worker, site }) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Demo Shop</title><link rel="stylesheet" href="/style.css">
<script>window.nudge=window.nudge||function(){(nudge.q=nudge.q||[]).push(arguments)}</script>
<script async src="${esc(worker)}/nudge.js" data-site="${esc(site)}"></script>
${head}</head><body>
<header class="top"><a class="brand" href="/">Demo Shop</a><nav><a href="/">Shop</a><a href="/cart">Cart (<span id="cart-count">0</span>)</a></nav></header>
<main>${body}</main>
<footer class="foot">Demo Shop · 1 Example Street, Springfield · a storefront for trying Nudge</footer>
<script src="/shop.js"></script></body></html>`;
}

function productCard(p, base) {
  return `<a class="card" href="/p/${p.id}"><img src="${base}/img/${p.id}.svg" alt="" width="240" height="240">
<span class="name">${esc(p.name)}</span><span class="price">${money(p.price, p.currency)}</span></a>`;
}

function productJsonLd(p, base) {
  return JSON.stringify({
    "@context": "https://schema.org",
    "@type": "Product",
    name: p.name,
    sku: p.id,
    productID: p.sku,
    description: p.description,
    image: [`${base}/img/${p.id}.svg`],
    url: `${base}/p/${p.id}`,
    offers: {
      "@type": "Offer",
      price: p.price.toFixed(2),
      priceCurrency: p.currency,
      availability: "https://schema.org/InStock",
    },
  });
}

function svg(p) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="480" viewBox="0 0 480 480">
<rect width="480" height="480" fill="${p.color}"/><circle cx="240" cy="210" r="120" fill="#fff" opacity=".18"/>
<text x="240" y="400" font-family="Helvetica,Arial,sans-serif" font-size="30" fill="#fff" text-anchor="middle">${esc(p.name)}</text></svg>`;
}

export function createDemoServer({ worker = "http://127.0.0.1:8787", site = "demo" } = {}) {
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://demo.local");
    const base = `http://${req.headers.host ?? "127.0.0.1:8080"}`;
    const send = (status, type, body) => {
      res.writeHead(status, {
        "content-type": `${type}; charset=utf-8`,
        "cache-control": "no-store",
      });
      res.end(body);
    };
    const page = (title, body, head) =>
      send(200, "text/html", layout({ title, body, head, worker, site }));
    const path = url.pathname;
    if (assets[path]) return send(200, assets[path][0], assets[path][1]);
    if (path === "/products.json") {
      // The catalog the page rebuilds a restored cart from (names, prices, links, images).
      const list = products.map((p) => ({
        id: p.id,
        name: p.name,
        price: p.price,
        url: `${base}/p/${p.id}`,
        image: `${base}/img/${p.id}.svg`,
      }));
      return send(200, "application/json", JSON.stringify(list));
    }
    if (path === "/") {
      return page(
        "Home",
        `<section class="hero"><h1>Good things for slow mornings</h1><p>Mugs, tees, totes and notebooks, made to last.</p></section>
<section class="grid">${products.map((p) => productCard(p, base)).join("")}</section>
<section class="newsletter"><h2>Get 10% off your first order</h2>
<form id="newsletter" action="/thanks" method="get"><label>Email <input type="email" name="email" required autocomplete="email" placeholder="you@example.com"></label>
<label>First name <input type="text" name="first_name" data-nudge-field="first_name" autocomplete="given-name"></label>
<button type="submit">Subscribe</button></form></section>`,
      );
    }
    const m = path.match(/^\/p\/([a-z0-9-]+)$/);
    if (m) {
      const p = products.find((x) => x.id === m[1]);
      if (!p)
        return send(
          404,
          "text/html",
          layout({ title: "Not found", body: "<h1>Not found</h1>", worker, site }),
        );
      return page(
        p.name,
        `<article class="product" data-id="${p.id}" data-name="${esc(p.name)}" data-price="${p.price}" data-currency="${p.currency}" data-image="${base}/img/${p.id}.svg" data-url="${base}/p/${p.id}">
<img src="${base}/img/${p.id}.svg" alt="${esc(p.name)}" width="420" height="420">
<div><h1>${esc(p.name)}</h1><p class="price">${money(p.price, p.currency)}</p><p>${esc(p.description)}</p>
<button id="add-to-cart" type="button">Add to cart</button><p id="added" hidden>Added to your cart.</p></div></article>`,
        `<script type="application/ld+json">${productJsonLd(p, base)}</script>`,
      );
    }
    if (path === "/cart") {
      return page(
        "Cart",
        `<h1>Your cart</h1><div id="cart"></div><p><a class="button" id="to-checkout" href="/checkout">Checkout</a></p>`,
      );
    }
    if (path === "/checkout") {
      return page(
        "Checkout",
        `<h1>Checkout</h1><div id="cart"></div><form id="checkout" action="/order" method="get">
<label>Email <input type="email" name="email" required autocomplete="email"></label>
<label>Card number <input type="text" name="card" autocomplete="cc-number" inputmode="numeric" placeholder="4242 4242 4242 4242"></label>
<button type="submit" id="place-order">Place order</button></form>`,
      );
    }
    if (path === "/order")
      return page("Thank you", `<h1>Thank you for your order!</h1><p id="order-id"></p>`);
    if (path === "/thanks")
      return page(
        "Subscribed",
        `<h1>You're on the list</h1><p>Check your inbox for a welcome email.</p>`,
      );
    const img = path.match(/^\/img\/([a-z0-9-]+)\.svg$/);
    if (img) {
      const p = products.find((x) => x.id === img[1]);
      if (p) return send(200, "image/svg+xml", svg(p));
    }
    send(404, "text/plain", "not found");
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : def;
  };
  const port = Number(arg("port", "8080"));
  const server = createDemoServer({
    worker: arg("worker", "http://127.0.0.1:8787"),
    site: arg("site", "demo"),
  });
  server.listen(port, "127.0.0.1", () => console.log(`demo store on http://127.0.0.1:${port}`));
}
