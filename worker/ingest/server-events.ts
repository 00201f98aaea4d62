// Server events (POST /v1/events) → what the worker does with each: the engine events for the
// person's visitors (stamped `verified: "server"`, and `history` when older than a day), and what
// only the person's Contact object acts on (a verified purchase, unsubscribe, resubscribe).
// Pure; the route (worker/routes/server-events.ts) validates and delivers.
import type { CatalogProduct } from "../catalog/schema.ts";
import type { NudgeEvent } from "./events.ts";
import { SERVER_HISTORY_MS, type ParsedServerEvent } from "./server-wire.ts";

export interface SubscriptionAction {
  kind: "unsubscribe" | "resubscribe";
  /** One kind of email (a topic of the site's triggers); absent: all marketing email. */
  topic?: string;
}

export interface RoutedServerEvent {
  /** The event id (idempotency key). */
  id: string;
  /** Who it is about: the address (verified: it comes from the store), the visitor, or both. */
  email: string | null;
  vid: string | null;
  /** For the person's visitors' engines, in order. */
  events: NudgeEvent[];
  /** For the Contact object alone: from (or back to) all marketing email, or one topic. */
  action: SubscriptionAction | null;
  /** A verified purchase, for attribution and revenue. */
  purchase: { id: string; value: number; currency: string; at: number } | null;
  /** A catalog fact (`product_updated`): for the site's Catalog object, about no one. */
  product: CatalogProduct | null;
}

/** Further in the future than this is a client clock error, not an event time. */
export const FUTURE_SLACK_MS = 5 * 60_000;

/** Normalises one validated server event received at `now`. */
export function routeServerEvent(e: ParsedServerEvent, now: number): RoutedServerEvent {
  const at = Math.min(e.at ?? now, now);
  const stamp = {
    at,
    verified: "server" as const,
    ...(e.url ? { url: e.url } : {}),
    ...(now - at > SERVER_HISTORY_MS ? { history: true as const } : {}),
  };
  const email = e.name === "identify" ? e.data.email : (e.email ?? null);
  const routed: RoutedServerEvent = {
    id: e.id,
    email,
    vid: e.vid ?? null,
    events: [],
    action: null,
    purchase: null,
    product: null,
  };
  switch (e.name) {
    case "product_updated":
      return { ...routed, product: e.data };
    case "unsubscribe":
    case "resubscribe":
      return {
        ...routed,
        action: { kind: e.name, ...(e.data.topic === undefined ? {} : { topic: e.data.topic }) },
      };
    case "track":
      return {
        ...routed,
        events: [{ id: e.id, name: e.event, custom: true, data: e.data, ...stamp }],
      };
    case "identify": {
      const { consent, ...data } = e.data;
      const events: NudgeEvent[] = [{ id: e.id, name: "identify", data, ...stamp }];
      if (consent) events.push({ id: `${e.id}.consent`, name: "consent", data: consent, ...stamp });
      return { ...routed, events };
    }
    case "purchase": {
      const purchase = { id: e.data.order_id, value: e.data.value, currency: e.data.currency, at };
      return { ...routed, purchase, events: [{ id: e.id, name: e.name, data: e.data, ...stamp }] };
    }
    default: {
      const { id, name, data } = e;
      return { ...routed, events: [{ id, name, data, ...stamp } as NudgeEvent] };
    }
  }
}
