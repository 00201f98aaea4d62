// The demo store's own JavaScript: a cart kept in localStorage (as a real store keeps its own),
// reported to Nudge as whole-cart snapshots, and a checkout that reports the purchase.
(function () {
  var KEY = "demo_cart";
  function load() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "[]");
    } catch (e) {
      return [];
    }
  }
  function save(items) {
    localStorage.setItem(KEY, JSON.stringify(items));
    report(items);
    render();
  }
  function report(items) {
    nudge("cart", { currency: "EUR", items: items });
  }
  function fmt(n) {
    return new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" }).format(n);
  }
  function render() {
    var items = load();
    var count = items.reduce(function (s, i) {
      return s + i.quantity;
    }, 0);
    var el = document.getElementById("cart-count");
    if (el) el.textContent = String(count);
    var box = document.getElementById("cart");
    if (!box) return;
    if (!items.length) {
      box.innerHTML = "<p>Your cart is empty.</p>";
      return;
    }
    var total = 0;
    box.innerHTML =
      "<ul class='lines'>" +
      items
        .map(function (i, n) {
          total += i.price * i.quantity;
          return (
            "<li><img src='" +
            i.image +
            "' width='64' height='64' alt=''><span>" +
            i.name +
            " × " +
            i.quantity +
            "</span><span>" +
            fmt(i.price * i.quantity) +
            "</span><button type='button' data-remove='" +
            n +
            "'>Remove</button></li>"
          );
        })
        .join("") +
      "</ul><p class='total'>Total <strong>" +
      fmt(total) +
      "</strong></p>";
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof HTMLElement)) return;
    if (t.id === "add-to-cart") {
      var p = document.querySelector(".product");
      var d = p.dataset;
      var items = load();
      var line = items.find(function (i) {
        return i.id === d.id;
      });
      if (line) line.quantity += 1;
      else
        items.push({
          id: d.id,
          name: d.name,
          price: Number(d.price),
          quantity: 1,
          url: d.url,
          image: d.image,
        });
      save(items);
      document.getElementById("added").hidden = false;
    }
    if (t.dataset.remove !== undefined) {
      var rest = load();
      rest.splice(Number(t.dataset.remove), 1);
      save(rest);
    }
  });
  var checkout = document.getElementById("checkout");
  if (checkout) {
    checkout.addEventListener("submit", function () {
      var items = load();
      var value =
        Math.round(
          items.reduce(function (s, i) {
            return s + i.price * i.quantity;
          }, 0) * 100,
        ) / 100;
      var order = "D" + Date.now().toString(36).toUpperCase();
      var email = checkout.querySelector("input[type=email]").value;
      if (email) nudge("identify", { email: email });
      nudge("purchase", { order_id: order, value: value, currency: "EUR", items: items });
      localStorage.setItem(KEY, "[]");
      sessionStorage.setItem("demo_order", order);
    });
  }
  // A cart link from a Nudge email carries `nudge_cart`: the worker says which items (and how
  // many) the email was about, the store rebuilds its own cart from its catalog. This is how a
  // cart comes back on a device that never saw it.
  var params = new URLSearchParams(location.search);
  var restore = params.get("nudge_cart");
  var tag = document.querySelector("script[data-site]");
  if (restore && tag) {
    params.delete("nudge_cart");
    var rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
    var worker = new URL(tag.src).origin;
    Promise.all([
      fetch(worker + "/v1/carts/" + encodeURIComponent(restore)).then(function (r) {
        return r.ok ? r.json() : null;
      }),
      fetch("/products.json").then(function (r) {
        return r.json();
      }),
    ])
      .then(function (res) {
        var saved = res[0];
        var catalog = res[1];
        if (!saved) return;
        var items = saved.items
          .map(function (i) {
            var p = catalog.find(function (x) {
              return x.id === i.id;
            });
            return p
              ? {
                  id: p.id,
                  name: p.name,
                  price: p.price,
                  quantity: i.quantity,
                  url: p.url,
                  image: p.image,
                }
              : null;
          })
          .filter(Boolean);
        if (items.length) save(items);
      })
      .catch(function () {});
  }
  var orderEl = document.getElementById("order-id");
  if (orderEl) orderEl.textContent = "Order " + (sessionStorage.getItem("demo_order") || "");
  render();
})();
