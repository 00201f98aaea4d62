// The fake Shopify storefront's in-page theme script (./fake-shopify.ts serves it): a cart drawer
// that calls the Ajax Cart API and re-renders from /cart.js.

/**
 * The theme's cart drawer, as themes write one: the Ajax Cart API through fetch (JSON to
 * /cart/add.js, FormData to /cart/add as Dawn does, /cart/change.js, /cart/update.js) and one
 * XMLHttpRequest (clear), then a re-render from /cart.js. It never calls nudge().
 */
export const DRAWER_JS = `(function () {
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
