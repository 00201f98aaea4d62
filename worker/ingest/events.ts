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
  );

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
