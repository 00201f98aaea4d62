// What the three platform mappers share: the outcome of one webhook (server events to deliver, a
// visitor to link first, or why it is ignored), id and money helpers, and the final check of the
// mapped events against the server event schema (the same rules as POST /v1/events). Pure.
import { z } from "zod";
import { zodIssues, type Issue } from "../../lib/errors.ts";
import { fnv1a32 } from "../../lib/hash.ts";
import { VISITOR_ID } from "../../lib/ids.ts";
import { ServerEventSchema, type ParsedServerEvent } from "../server-wire.ts";

export type PlatformOutcome =
  | {
      kind: "events";
      /** The visitor the store's checkout carried (a cart attribute, a reference id): it is told
       * who it is before the events go out, so they reach it too. */
      link: { vid: string; email: string } | null;
      /** Server events, each naming the person by email. */
      events: ParsedServerEvent[];
    }
  | { kind: "ignored"; reason: string }
  | { kind: "invalid"; issues: Issue[] };

export const ignored = (reason: string): PlatformOutcome => ({ kind: "ignored", reason });

/**
 * A platform's id (number or string) as text, at most 128 characters. Shopify's ids can pass
 * 2^53 and lose their last digits in JSON.parse: the same payload still gives the same text, and
 * where an exact id matters the mappers prefer the string form (`admin_graphql_api_id`).
 */
export const idText = z
  .union([
    z
      .number()
      .nonnegative()
      .refine((n) => Number.isInteger(n) && n < 1e21, "must be a whole number"),
    z.string().trim().min(1).max(128),
  ])
  .transform(String);

/** The numeric id at the end of a Shopify GraphQL id (`gid://shopify/Order/123`), exact. */
export const gidNumber = (gid: string | null | undefined): string | null =>
  /^gid:\/\/shopify\/\w+\/(\d{1,40})$/.exec(gid ?? "")?.[1] ?? null;

/** A decimal amount as platforms send it: "19.90", 19.9, or null. */
export const amount = z
  .union([z.number().finite().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/)])
  .transform(Number);

/** An event id (8-64 URL-safe characters) from a platform prefix and its own ids. */
export function eventIdOf(prefix: string, ...parts: string[]): string {
  const id = [prefix, ...parts].join("-").replace(/[^A-Za-z0-9_-]/g, "_");
  if (id.length <= 64) return id.padEnd(8, "_");
  // Too long to keep whole: the prefix and a stable digest of the rest.
  return `${id.slice(0, 55)}-${fnv1a32(id).toString(36)}`;
}

/** A visitor id the store passed through its checkout, if it is one. */
export function visitorIdOf(v: unknown): string | null {
  return typeof v === "string" && VISITOR_ID.test(v) ? v : null;
}

/** A cart line for the wire: name cut, quantity at least one, price a number. */
export function lineOf(l: {
  id: string;
  name: string | null | undefined;
  price: number;
  quantity: number;
  url?: string | null | undefined;
  image?: string | null | undefined;
}) {
  return {
    id: l.id,
    name: (l.name ?? "").trim().slice(0, 500) || "Item",
    price: l.price,
    quantity: Math.min(10_000, Math.max(1, Math.floor(l.quantity))),
    ...(l.url && /^https?:\/\//i.test(l.url) ? { url: l.url } : {}),
    ...(l.image && /^https?:\/\//i.test(l.image) ? { image: l.image } : {}),
  };
}

/**
 * The mapped events, each checked against the server event schema: all of them, or the
 * issues of the first that fails (a payload we cannot read whole changes nothing).
 */
export function checked(
  link: { vid: string; email: string } | null,
  raw: Record<string, unknown>[],
): PlatformOutcome {
  const events: ParsedServerEvent[] = [];
  for (const r of raw) {
    const p = ServerEventSchema.safeParse(r);
    if (!p.success)
      return {
        kind: "invalid",
        issues: zodIssues(p.error.issues).map((x) => ({
          ...x,
          path: `${String(r.name)}.${x.path}`,
        })),
      };
    events.push(p.data);
  }
  return events.length ? { kind: "events", link, events } : ignored("nothing_to_do");
}

/** The payload's issues in the error shape of the API. */
export function invalid(error: z.ZodError): PlatformOutcome {
  return { kind: "invalid", issues: zodIssues(error.issues) };
}

/**
 * The identify a platform's record of a person gives: a verified address, the names it holds (cut
 * to 100 characters, blanks dropped), and the marketing consent when it says one.
 */
export function identifyOf(
  id: string,
  email: string,
  who: { first?: string | null; last?: string | null; consent?: { marketing: boolean } },
): Record<string, unknown> {
  const first = who.first?.trim();
  const last = who.last?.trim();
  return {
    id,
    name: "identify",
    email,
    data: {
      email,
      ...(first ? { first_name: first.slice(0, 100) } : {}),
      ...(last ? { last_name: last.slice(0, 100) } : {}),
      ...(who.consent ? { consent: who.consent } : {}),
    },
  };
}
