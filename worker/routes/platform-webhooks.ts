// POST /webhooks/shopify/:site, /webhooks/woocommerce/:site, /webhooks/stripe/:site: a store
// platform's own webhooks, signature-checked over the raw body before anything is read, mapped to
// server events (worker/ingest/platforms/) and delivered like POST /v1/events. A bad signature is
// a 401 and changes nothing; a topic Nudge does not use is acknowledged (200, ignored) so the
// platform does not retry it or turn the webhook off; a replay is a duplicate by event id.
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { loadSiteConfig } from "../config/load.ts";
import { shopHome } from "../mail/template-context.ts";
import type { PlatformOutcome } from "../ingest/platforms/common.ts";
import {
  verifyBase64Hmac,
  verifyStripe,
  type SignatureCheck,
} from "../ingest/platforms/signatures.ts";
import { shopifyEvents } from "../ingest/platforms/shopify.ts";
import { stripeEvents } from "../ingest/platforms/stripe.ts";
import { wooCommerceEvents } from "../ingest/platforms/woocommerce.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { httpError, httpErrorMessage } from "../lib/errors.ts";
import { SITE_ID } from "../lib/ids.ts";
import { log } from "../lib/log.ts";
import { deliverServerEvents } from "./deliver.ts";

const MAX_BODY_BYTES = 512 * 1024;

interface Platform {
  /** The secret's name, for the operator's error message. */
  secretName: "SHOPIFY_WEBHOOK_SECRET" | "WOOCOMMERCE_WEBHOOK_SECRET" | "STRIPE_WEBHOOK_SECRET";
  verify(secret: string | undefined, raw: string, h: Headers, now: number): Promise<SignatureCheck>;
  /** What the delivery is (for logs). */
  topic(h: Headers, body: unknown): string;
  /** The platform's id of this delivery (the same on its retries), if it sends one. */
  deliveryId(h: Headers): string;
  /** `shop`: the storefront's home page (product links are made on it). */
  map(h: Headers, body: unknown, deliveryId: string, shop: string): PlatformOutcome;
}

const header = (h: Headers, name: string) => h.get(name)?.trim() ?? "";

const PLATFORMS = {
  shopify: {
    secretName: "SHOPIFY_WEBHOOK_SECRET",
    verify: (secret, raw, h) => verifyBase64Hmac(secret, raw, h.get("x-shopify-hmac-sha256")),
    topic: (h) => header(h, "x-shopify-topic"),
    deliveryId: (h) => header(h, "x-shopify-webhook-id") || header(h, "x-shopify-event-id"),
    map: (h, body, id, shop) => shopifyEvents(header(h, "x-shopify-topic"), id, body, shop),
  },
  woocommerce: {
    secretName: "WOOCOMMERCE_WEBHOOK_SECRET",
    verify: (secret, raw, h) => verifyBase64Hmac(secret, raw, h.get("x-wc-webhook-signature")),
    topic: (h) => header(h, "x-wc-webhook-topic"),
    deliveryId: (h) => header(h, "x-wc-webhook-delivery-id"),
    map: (h, body, id) => wooCommerceEvents(header(h, "x-wc-webhook-topic"), id, body),
  },
  stripe: {
    secretName: "STRIPE_WEBHOOK_SECRET",
    verify: (secret, raw, h, now) => verifyStripe(secret, raw, h.get("stripe-signature"), now),
    topic: (_h, body) => String((body as { type?: unknown } | null)?.type ?? ""),
    // Stripe's event id is in the body, and the mapper uses it.
    deliveryId: () => "",
    map: (_h, body) => stripeEvents(body),
  },
} satisfies Record<string, Platform>;

type PlatformName = keyof typeof PLATFORMS;

/** WooCommerce pings a new webhook's URL with `webhook_id=<n>` (form-encoded) when it is saved,
 * and refuses to save it unless the answer is a 2xx. */
const WOO_PING = /^webhook_id=\d{1,20}$/;

export const platformWebhooks = new Hono<{ Bindings: Env }>();

platformWebhooks.post(
  "/webhooks/:platform{shopify|woocommerce|stripe}/:site",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw httpError(413, "payload_too_large");
    },
  }),
  async (c) => {
    const name = c.req.param("platform") as PlatformName;
    const platform: Platform = PLATFORMS[name];
    const site = c.req.param("site");
    const raw = await c.req.text();
    const h = c.req.raw.headers;
    // Answered before the signature check (older versions send it unsigned): it changes nothing.
    if (name === "woocommerce" && WOO_PING.test(raw)) return c.json({ ok: true, ping: true });
    const secret = c.env[platform.secretName];
    const check = await platform.verify(secret, raw, h, Date.now());
    if (!check.ok) {
      log("warn", "platform_webhook.rejected", { platform: name, reason: check.reason });
      if (check.reason === "no_secret")
        throw httpErrorMessage(
          401,
          "unauthorized",
          `the worker has no ${platform.secretName}: set it with \`wrangler secret put ${platform.secretName}\``,
        );
      throw httpError(401, check.reason);
    }
    if (!SITE_ID.test(site)) throw httpError(404, "unknown_site");
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw httpError(400, "invalid_json");
    }
    const topic = platform.topic(h, body).slice(0, 64);
    const cfg = await loadSiteConfig(c.env.NUDGE_CONFIG, site);
    if (!cfg.ok) {
      if (cfg.reason === "invalid_config") throw httpError(503, "site_unavailable");
      throw httpError(404, "unknown_site");
    }
    // A delivery that names no id of its own is named by its body: a replay is the same.
    const id = platform.deliveryId(h).slice(0, 64) || (await sha256Hex(raw)).slice(0, 32);
    const out = platform.map(h, body, id, shopHome(cfg.config));
    if (out.kind === "invalid") {
      log("warn", "platform_webhook.rejected", {
        platform: name,
        site,
        topic,
        reason: "invalid_payload",
        detail: out.issues[0]?.path,
      });
      throw httpError(400, "invalid_payload", out.issues);
    }
    if (out.kind === "ignored") {
      log("info", "platform_webhook.ignored", { platform: name, site, topic, reason: out.reason });
      return c.json({ ok: true, ignored: out.reason });
    }
    return deliver(c, name, site, topic, out);
  },
);

async function deliver(
  c: Context<{ Bindings: Env }>,
  platform: PlatformName,
  site: string,
  topic: string,
  out: Extract<PlatformOutcome, { kind: "events" }>,
): Promise<Response> {
  const limit = await c.env.SERVER_LIMITER.limit({ key: site });
  if (!limit.success) {
    log("warn", "platform_webhook.rejected", { platform, site, topic, reason: "rate_limited" });
    throw httpError(429, "rate_limited", undefined, { "retry-after": "60" });
  }
  const base = new URL(c.req.url).origin;
  const now = Date.now();
  // The browser that started this checkout learns who it is first, so what follows reaches it.
  if (out.link) {
    const first = out.events[0];
    await deliverServerEvents(
      c.env,
      site,
      [
        {
          id: `${first?.id ?? "link"}-vid`.slice(0, 64),
          name: "identify",
          vid: out.link.vid,
          email: out.link.email,
          data: { email: out.link.email },
        },
      ],
      base,
      now,
    );
  }
  const { accepted, duplicates } = await deliverServerEvents(c.env, site, out.events, base, now);
  log("info", "platform_webhook.accepted", { platform, site, topic, events: accepted, duplicates });
  return c.json({ ok: true, accepted, duplicates });
}
