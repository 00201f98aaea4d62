// What the platform adapter tests share: a site config with a short cart-abandonment step for a
// fake store's origin; a tap in front of the worker that records what POST /e received and
// answered (a beacon sent while a page unloads included); the worker's own record of the
// visitor's cart; the dev outbox.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { OutboxJsonItem } from "../../../worker/mail/outbox-view.ts";
import { rawBody } from "./fake-platform.ts";
import { waitFor, type Stack } from "./stack.ts";

/** The cart-abandonment step's wait in these tests. */
export const STEP_WAIT_S = 3;

/**
 * The demo config (single opt-in) for a store at `shop` on `platform`, with a cart-abandonment
 * and a checkout-abandonment trigger (a checkout supersedes the cart, as in the default config).
 */
export function platformConfig(shop: string, platform?: string): Record<string, unknown> {
  return {
    origins: [shop],
    ...(platform ? { platform } : {}),
    links: {
      cart: platform === "woocommerce" ? `${shop}/cart/` : `${shop}/cart`,
      shop: `${shop}/`,
    },
    triggers: [
      {
        id: "checkout-abandoned",
        on: "checkout",
        cancelOn: ["purchase"],
        steps: [
          {
            wait: `${STEP_WAIT_S}s`,
            template: "checkout-abandoned",
            subject: "Your order is waiting",
          },
        ],
      },
      {
        id: "cart-abandoned",
        on: "cart",
        if: { "cart.value": { gt: 0 } },
        cancelOn: ["purchase", "checkout", { event: "cart", if: { "cart.count": { eq: 0 } } }],
        reentry: "always",
        steps: [
          {
            wait: `${STEP_WAIT_S}s`,
            template: "cart-abandoned",
            subject: "You left something behind",
          },
        ],
      },
    ],
  };
}

export interface SentEvent {
  id: string;
  name: string;
  url?: string;
  data?: Record<string, unknown>;
}
export interface CartItem {
  id: string;
  name: string;
  price: number;
  quantity: number;
  url?: string;
  image?: string;
}

export interface Tap {
  /** Use in place of the worker's URL: the tag's src, hence the snippet's POST /e. */
  url: string;
  /** The events of visitor `vid` in batches the worker accepted (2xx), once each, in order. */
  of(vid: string): SentEvent[];
  /** The worker's status for each POST /e. */
  statuses: number[];
  close(): Promise<void>;
}

/**
 * A transparent HTTP tap in front of `worker` on 127.0.0.1: every request goes through as sent
 * (method, path, headers, body: the page's Origin included), every answer comes back as given,
 * and the batches POST /e received are recorded with the worker's status.
 */
export async function startTap(worker: string): Promise<Tap> {
  const events: (SentEvent & { vid: string })[] = [];
  const statuses: number[] = [];
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await rawBody(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          (kv): kv is [string, string] => typeof kv[1] === "string" && kv[0] !== "host",
        ),
      );
      const answer = await fetch(`${worker}${req.url ?? "/"}`, {
        method: req.method,
        headers,
        body: raw.length ? new Uint8Array(raw) : undefined,
        redirect: "manual",
      });
      const out = Buffer.from(await answer.arrayBuffer());
      if (req.method === "POST" && req.url === "/e") {
        statuses.push(answer.status);
        const batch = JSON.parse(raw.toString("utf8")) as { vid: string; events: SentEvent[] };
        if (answer.ok)
          for (const e of batch.events) {
            if (seen.has(e.id)) continue;
            seen.add(e.id);
            events.push({ ...e, vid: batch.vid });
          }
      }
      const back: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (!["content-encoding", "content-length", "transfer-encoding"].includes(k)) back[k] = v;
      });
      res.writeHead(answer.status, back).end(out);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    of: (vid) => events.filter((e) => e.vid === vid),
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const cartsOf = (events: SentEvent[]) =>
  events
    .filter((e) => e.name === "cart")
    .map((e) => e.data as { items: CartItem[]; currency?: string });

/** A cart as `id×quantity@price` strings, for short, readable comparisons. */
export const brief = (items: CartItem[]) => items.map((i) => `${i.id}×${i.quantity}@${i.price}`);

interface VisitorSnapshot {
  profile: {
    email: string | null;
    orders: number;
    revenue: number;
    cart: { items: CartItem[]; currency: string | null; count: number };
  };
}

/** The visitor as the worker's Visitor object has it (null until it exists). */
export async function visitor(stack: Stack, site: string, vid: string) {
  const res = await stack.admin(`/admin/api/visitors/${site}/${vid}`);
  return res.status === 200 ? ((await res.json()) as VisitorSnapshot) : null;
}

/**
 * Waits until the page has sent `n` cart events, the last one holding `want`, and the worker's
 * Visitor object holds that cart too; returns the cart events sent so far.
 */
export async function expectCart(
  stack: Stack,
  site: string,
  tap: Tap,
  vid: string,
  n: number,
  want: string[],
): Promise<{ items: CartItem[]; currency?: string }[]> {
  const events = () => tap.of(vid);
  const carts = await waitFor(
    async () => cartsOf(events()).length >= n && cartsOf(events()),
    `${n} cart events`,
  ).catch((err: Error) => {
    const got = JSON.stringify(cartsOf(events()).map((c) => brief(c.items)));
    throw new Error(`${err.message} (last: ${want.join(", ") || "empty"}); got ${got}`);
  });
  if (JSON.stringify(brief(carts[n - 1]!.items)) !== JSON.stringify(want))
    throw new Error(
      `cart event ${n}: ${JSON.stringify(brief(carts[n - 1]!.items))}, want ${JSON.stringify(want)}`,
    );
  await waitFor(
    async () => {
      const v = await visitor(stack, site, vid);
      return v && JSON.stringify(brief(v.profile.cart.items)) === JSON.stringify(want);
    },
    `the worker's record of the cart: ${want.join(", ") || "empty"}`,
  );
  return carts;
}

/** The dev outbox's emails. */
export async function outbox(stack: Stack): Promise<OutboxJsonItem[]> {
  const res = await fetch(`${stack.worker}/_dev/outbox.json`);
  return ((await res.json()) as { emails: OutboxJsonItem[] }).emails;
}

/** The `trigger` email (cart-abandoned unless said) to `email`, once it is in the outbox. */
export function abandonmentEmail(
  stack: Stack,
  email: string,
  timeoutMs = 30_000,
  trigger = "cart-abandoned",
) {
  return waitFor(
    async () =>
      (await outbox(stack)).find(
        (e) =>
          e.to.toLowerCase().includes(email) &&
          e.tags.some((t) => t.name === "trigger" && t.value === trigger),
      ),
    `the ${trigger} email to ${email}`,
    timeoutMs,
  );
}
