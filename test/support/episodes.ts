// Helpers shared by the end-to-end runs that create many cart-abandonment episodes against a
// real `wrangler dev` (bench/latency.ts, bench/flood.ts, test/browser/exactly-once.test.ts): their
// one-trigger config, visitor ids like the snippet's, the identify + cart batch, and the
// recipient of a recorded Resend send.

/** The trigger of `cartAbandonedOnly`. */
export const CART_TRIGGER = "cart-abandoned";

/**
 * A site config whose one trigger is cart-abandoned: one step `wait` after a cart with value.
 * Not exempt from the cap (that is order mail, for verified addresses only): the site has no
 * cap, so every episode sends.
 */
export function cartAbandonedOnly(wait: string) {
  return {
    frequencyCap: false,
    triggers: [
      {
        id: CART_TRIGGER,
        on: "cart",
        if: { "cart.value": { gt: 0 } },
        steps: [{ wait, template: "cart-abandoned", subject: "Your cart" }],
      },
    ],
  };
}

/** 32 URL-safe characters, distinct per visitor `i`, like the snippet's random ids. */
export function urlSafeId(i: number, prefix = "lat"): string {
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) =>
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".charAt(b & 63),
  ).join("");
  return `${prefix}${String(i).padStart(5, "0")}${rand}`.slice(0, 32);
}

/** The lower-cased address of a send's first `to` (accepts `Name <a@b>`), or null. */
export function recipient(body: Record<string, unknown>): string | null {
  const to = body.to;
  const first = Array.isArray(to) ? to[0] : to;
  if (typeof first !== "string") return null;
  const m = /<([^>]+)>/.exec(first);
  return (m ? m[1]! : first).trim().toLowerCase();
}

/**
 * The POST /e body that identifies the visitor and snapshots a one-item cart (value 12.5 EUR).
 * Event ids are derived from the vid, so posting the same body again is a duplicate delivery.
 */
export function cartBatch(site: string, vid: string, email: string): string {
  return JSON.stringify({
    site,
    vid,
    events: [
      { id: `${vid}-id`, name: "identify", data: { email } },
      {
        id: `${vid}-cart`,
        name: "cart",
        data: {
          items: [{ id: "mug", name: "Mug", price: 12.5, quantity: 1 }],
          currency: "EUR",
        },
      },
    ],
  });
}

/** POSTs a batch as the snippet does (text/plain, no preflight) from `origin`. */
export function postBatch(worker: string, origin: string, body: string): Promise<Response> {
  return fetch(`${worker}/e`, {
    method: "POST",
    headers: { "content-type": "text/plain", origin },
    body,
  });
}
