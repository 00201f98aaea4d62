// What a valid site config most likely gets wrong: an event name no part of Nudge sends (a typo
// like "form_sumbit", or a custom event the site has not declared in `customEvents`), and a
// condition path under a root whose keys are known (`cart.total` where it means `cart.value`).
// Warnings, not errors: the config still loads. Each names the JSON path and, where one is
// close, what was probably meant. Pure; `nudge validate` and `nudge push` print them.
import { BUILTIN_EVENTS, SERVER_EVENTS } from "../ingest/wire.ts";
import type { Condition } from "./condition.ts";
import type { SiteConfig } from "./schema.ts";

/** Every event the worker itself can deliver to a trigger. */
export const KNOWN_EVENTS: readonly string[] = [...BUILTIN_EVENTS, ...SERVER_EVENTS];

/** The keys of the condition roots whose shape is fixed (worker/engine/context.ts `envOf`). */
export const KNOWN_PATHS: Record<string, readonly string[]> = {
  cart: ["items", "value", "currency", "count"],
  visitor: ["vid", "tz", "page_views", "first_seen", "last_seen", "orders"],
  product: ["id", "name", "price", "currency", "url", "image", "available", "category"],
  price_drop: ["percent", "from", "to", "seen_at", "product"],
  order: ["order_id", "value", "currency", "items"],
  form: ["form", "email", "fields"],
};

/**
 * The contact fields Nudge sets (worker/engine/context.ts `contactView`, plus the identify fields
 * a store commonly sends). Other keys are traits a site's identify calls may send: a path under
 * `contact` is only questioned when it looks like a misspelt one of these.
 */
export const CONTACT_FIELDS: readonly string[] = [
  "email",
  "first_name",
  "last_name",
  "birthday",
  "traits",
  "orders",
  "revenue",
  "last_order_at",
  "consent",
];

/** The data keys of each built-in event (`event.<key>` in a trigger on it), besides the
 * stamps every event has. */
const EVENT_STAMPS = ["name", "id", "at", "url", "data"];
export const EVENT_KEYS: Record<string, readonly string[]> = {
  page: ["title"],
  product: ["id", "name", "price", "currency", "url", "image"],
  cart: ["items", "currency"],
  checkout: ["value", "currency", "recovery_url"],
  purchase: ["order_id", "value", "currency", "items"],
  identify: ["email", "first_name", "last_name", "birthday", "consent"],
  consent: ["marketing"],
  form_start: ["form"],
  form_submit: ["form", "email", "fields"],
  notify: ["product", "email"],
  email_open: ["trigger", "episode", "step", "variant"],
  email_click: ["trigger", "episode", "step", "variant", "href"],
  cart_item_removed: ["item", "items"],
  contact_verified: ["email"],
  back_in_stock: ["product"],
  price_drop: ["product", "from", "to", "percent", "seen_at"],
};

/** Names people reach for that a root calls otherwise. */
const ALIASES: Record<string, string> = {
  bday: "birthday",
  dob: "birthday",
  birthdate: "birthday",
  date_of_birth: "birthday",
  firstname: "first_name",
  lastname: "last_name",
  order_count: "orders",
  total: "value",
  subtotal: "value",
  amount: "value",
  sum: "value",
  quantity: "count",
  qty: "count",
  size: "count",
  lines: "items",
};

/** Edit distance (insert, delete, substitute, swap two neighbours), for did-you-mean. */
export function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** The closest of `options` to `word`, if it is close enough to be a typo. */
export function didYouMean(word: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const o of options) {
    const dist = distance(word, o);
    if (dist < bestD) [best, bestD] = [o, dist];
  }
  return best !== null && bestD <= Math.max(1, Math.floor(word.length / 4)) ? best : null;
}

const hint = (word: string, options: readonly string[]) => {
  const m = didYouMean(word, options);
  return m ? ` (did you mean "${m}"?)` : "";
};

export function configWarnings(config: SiteConfig): string[] {
  const out: string[] = [];
  const declared = config.customEvents ?? [];
  const known = [...KNOWN_EVENTS, ...declared];
  const event = (name: string, at: string) => {
    if (known.includes(name)) return;
    out.push(
      `${at}: "${name}" is not an event Nudge sends${hint(name, known)}; ` +
        `a custom event of your own goes in "customEvents"`,
    );
  };
  const path = (p: string, at: string, on?: string) => {
    const [root = "", key] = p.split(".");
    if (root === "contact" && key !== undefined && !CONTACT_FIELDS.includes(key)) {
      // Any other key may be a trait the site sends; only a near miss of a field is flagged.
      const alias = ALIASES[key];
      const m = alias && CONTACT_FIELDS.includes(alias) ? alias : didYouMean(key, CONTACT_FIELDS);
      if (m)
        out.push(
          `${at}: "${p}" is not a field Nudge sets (did you mean "contact.${m}"?); ` +
            `it works only if your identify calls send a "${key}" trait`,
        );
      return;
    }
    if (root === "event" && key !== undefined && on !== undefined && EVENT_KEYS[on]) {
      const keys = [...EVENT_KEYS[on], ...EVENT_STAMPS];
      if (keys.includes(key)) return;
      const alias = ALIASES[key];
      const m = alias && keys.includes(alias) ? alias : didYouMean(key, keys);
      out.push(
        `${at}: "${p}" is never set on a "${on}" event${m ? ` (did you mean "event.${m}"?)` : ""}; ` +
          `${on} has ${EVENT_KEYS[on].join(", ")}`,
      );
      return;
    }
    const keys = KNOWN_PATHS[root];
    if (!keys || key === undefined || keys.includes(key)) return;
    const alias = ALIASES[key];
    const m = alias && keys.includes(alias) ? alias : didYouMean(key, keys);
    out.push(
      `${at}: "${p}" is never set${m ? ` (did you mean "${root}.${m}"?)` : ""}; ` +
        `${root} has ${keys.join(", ")}`,
    );
  };
  const condition = (c: Condition | undefined, at: string, on?: string) => {
    for (const p of Object.keys(c ?? {})) path(p, `${at}["${p}"]`, on);
  };
  config.triggers.forEach((t, i) => {
    const at = `triggers[${i}]`;
    if (t.on !== undefined) event(t.on, `${at}.on`);
    condition(t.if, `${at}.if`, t.on);
    if (t.count?.sameKey) path(t.count.sameKey, `${at}.count.sameKey`);
    if (t.date) path(t.date, `${at}.date`);
    t.cancelOn?.forEach((c, j) => {
      if (typeof c === "string") event(c, `${at}.cancelOn[${j}]`);
      else {
        event(c.event, `${at}.cancelOn[${j}].event`);
        condition(c.if, `${at}.cancelOn[${j}].if`, c.event);
      }
    });
    t.steps.forEach((s, j) => condition(s.if, `${at}.steps[${j}].if`, t.on));
  });
  return out;
}
