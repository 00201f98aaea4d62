// The fake WooCommerce store's in-page scripts (./fake-woocommerce.ts serves them): the store's
// own script, jQuery-free, that calls the Store API and the classic wc-ajax endpoints; the
// classic cart page's script; and the jQuery stand-in that script needs.

/**
 * The store's script, jQuery-free, as block themes and headless carts call WooCommerce: the Store
 * API by fetch (add-item, batch, update-item with the Nonce header; the answer is the cart the
 * mini cart shows), remove-item and the classic ?wc-ajax=add_to_cart by XMLHttpRequest. It never
 * calls nudge().
 */
export const STORE_JS = `(function () {
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
export const JQUERY_STANDIN = `window.jQuery = function (el) {
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
export const CART_JS = `(function () {
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
