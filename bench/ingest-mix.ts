// The ingest bench's stream, shared with the lifecycle model (lifecycle.ts): visitor ids and
// the usual mix of events, by batch and position.

const MUG = { id: "mug-classic", name: "Classic Stoneware Mug", price: 18, currency: "EUR" };
/**
 * The usual mix, by position in a batch of 1-3 events: a page view; a page and a product view;
 * a page, a product view and a cart. Each visitor sends one batch of each size (in an order
 * that depends on the visitor), so 6 events: 3 pages, 2 views of one product (a
 * browse-abandoned episode unless the cart came first) and 1 cart holding it (a
 * cart-abandoned episode, which ends a browse-abandoned one).
 */
const MIX = [
  { name: "page", data: {} },
  { name: "product", data: MUG },
  {
    name: "cart",
    data: {
      items: [{ id: MUG.id, name: MUG.name, price: MUG.price, quantity: 1 }],
      currency: "EUR",
    },
  },
] as const;

/** Visitor `v`'s id (`prefix`: "bench" for the measured visitors, "warm" for the warm-up). */
export function visitorId(v: number, prefix = "bench"): string {
  return `${prefix}${String(v).padStart(6, "0")}${"x".repeat(10)}`;
}

/** Event `k` (0-2) of batch `i`, on the product page of the store at `origin`. */
export function mixEvent(i: number, k: number, origin: string) {
  return { id: `e${i}x${k}${"0".repeat(8)}`, ...MIX[k]!, url: `${origin}/p/mug-classic` };
}
