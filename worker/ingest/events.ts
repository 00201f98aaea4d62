// Server-side events: what the engine consumes. Browser events are normalised from the wire
// schema (wire.ts); the worker derives the rest (email_*, session_end, cart_item_removed,
// contact_verified).
// Pure types and one pure normaliser; no I/O.
import type { z } from "zod";
import type {
  CartItemSchema,
  CartSchema,
  ConsentSchema,
  FormStartSchema,
  FormSubmitSchema,
  IdentifySchema,
  NotifySchema,
  PageSchema,
  ParsedWireEvent,
  ProductSchema,
  PurchaseSchema,
  ServerCheckoutSchema,
} from "./wire.ts";

export type Scalar = string | number | boolean | null;
export type CartItem = z.output<typeof CartItemSchema>;
export type Product = z.output<typeof ProductSchema>;

interface Base {
  /** Unique id (client-generated for browser events, derived for server events). */
  id: string;
  /** Server time the event was accepted (ms since epoch): the engine's clock for this event. */
  at: number;
  url?: string;
  /** Who vouches for it besides the browser: the store's backend (server events, platform
   * webhooks) or a valid `user_hash`. Never set from the wire. */
  verified?: "server" | "user_hash";
  /** Older than the server history window: it updates the profile and cancels episodes, but
   * starts none (a backfill records history, it does not email it). */
  history?: true;
}

export type BuiltinEvent = Base &
  (
    | { name: "page"; data: z.output<typeof PageSchema> }
    | { name: "product"; data: Product }
    | { name: "cart"; data: z.output<typeof CartSchema> }
    /** `recovery_url` only from the store's systems (a browser checkout never has one). */
    | { name: "checkout"; data: z.output<typeof ServerCheckoutSchema> }
    | { name: "purchase"; data: z.output<typeof PurchaseSchema> }
    | { name: "identify"; data: z.output<typeof IdentifySchema> }
    | { name: "consent"; data: z.output<typeof ConsentSchema> }
    | { name: "form_start"; data: z.output<typeof FormStartSchema> }
    | { name: "form_submit"; data: z.output<typeof FormSubmitSchema> }
    | { name: "email_open"; data: EmailRef }
    | { name: "email_click"; data: EmailRef & { href: string } }
    | { name: "session_end"; data: Record<string, never> }
    /** Every item one cart update dropped (`items`), the first of them as `item`. */
    | { name: "cart_item_removed"; data: { item: CartItem; items: CartItem[] } }
    /** The Contact object says this address is verified (confirmed opt-in, a click, …). */
    | { name: "contact_verified"; data: { email: string } }
    /** The visitor asked to hear when `product` is back in stock. */
    | { name: "notify"; data: z.output<typeof NotifySchema> }
    /** The catalog turned a product this visitor asked about available again. */
    | { name: "back_in_stock"; data: { product: CatalogFacts } }
    /** The catalog lowered the price of a product this visitor viewed or carted at `seen_at`. */
    | { name: "price_drop"; data: PriceDrop }
  );

/** What the catalog says of a product, as events and templates carry it. */
export interface CatalogFacts {
  id: string;
  name: string;
  price: number;
  currency?: string;
  available: boolean;
  url?: string;
  image?: string;
  category?: string;
}

export interface PriceDrop {
  product: CatalogFacts;
  /** The old and new price, and the fall in whole percent of the old. */
  from: number;
  to: number;
  percent: number;
  /** When this visitor last viewed or carted the product (ms since epoch). */
  seen_at: number;
}

/** Reference to the email an open or click came from. */
export interface EmailRef {
  trigger: string;
  episode: string;
  step: number;
  variant: number | null;
}

/** A custom event from `nudge('track', name, props)`. */
export type CustomEvent = Base & { name: string; custom: true; data: Record<string, Scalar> };

export type NudgeEvent = (BuiltinEvent & { custom?: undefined }) | CustomEvent;

/** Turns one validated wire event into a server event stamped with the server clock. */
export function fromWire(e: ParsedWireEvent, at: number): NudgeEvent {
  if (e.name === "track") {
    const { ts: _ts, event, ...rest } = e;
    return { ...rest, at, name: event, custom: true };
  }
  const { ts: _ts, ...rest } = e;
  return { ...rest, at };
}
