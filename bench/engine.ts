// Engine cost per event, in Node: a realistic mixed stream (browsing, carts, sign-ups,
// purchases, alarms) over many visitors. Run: `npx tsx bench/engine.ts [--json]`.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseSiteConfig } from "../worker/config/schema.ts";
import { apply, initialState, wake } from "../worker/engine/index.ts";
import type { EngineResult, VisitorState } from "../worker/engine/index.ts";
import type { CartItem, NudgeEvent } from "../worker/ingest/events.ts";

const parsed = parseSiteConfig(
  JSON.parse(readFileSync(new URL("../templates/default-config.json", import.meta.url), "utf8")),
);
if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
const config = parsed.config;

const VISITORS = 300;
const EVENTS_PER_VISITOR = 60;
const ROUNDS = 3;
const T0 = Date.UTC(2026, 0, 5, 12);

/** Deterministic PRNG (mulberry32) so every run measures the same stream. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stream(v: number): { event: NudgeEvent | null; at: number }[] {
  const r = rng(v + 1);
  const out: { event: NudgeEvent | null; at: number }[] = [];
  let at = T0 + v * 1000;
  let cart: CartItem[] = [];
  for (let i = 0; i < EVENTS_PER_VISITOR; i++) {
    at += Math.floor(r() * (r() < 0.9 ? 120_000 : 2 * 86_400_000));
    const id = `v${v}e${i}xxxxxx`;
    const x = r();
    let event: NudgeEvent | null;
    if (x < 0.4) event = { id, at, name: "page", data: {} };
    else if (x < 0.6) {
      const sku = `p${Math.floor(r() * 5)}`;
      event = { id, at, name: "product", data: { id: sku, name: `Product ${sku}`, price: 19.9 } };
    } else if (x < 0.75) {
      if (r() < 0.7 || cart.length === 0)
        cart = [
          ...cart,
          { id: `p${Math.floor(r() * 5)}`, name: "Thing", price: 19.9, quantity: 1 },
        ];
      else cart = cart.slice(1);
      event = { id, at, name: "cart", data: { items: cart } };
    } else if (x < 0.8) event = { id, at, name: "form_start", data: { form: "signup" } };
    else if (x < 0.84)
      event = { id, at, name: "identify", data: { email: `v${v}@example.com`, birthday: "03-04" } };
    else if (x < 0.87) {
      event = { id, at, name: "purchase", data: { order_id: id, value: 40, currency: "EUR" } };
      cart = [];
    } else if (x < 0.9)
      event = { id, at, name: "form_submit", data: { form: "signup", email: `v${v}@example.com` } };
    else event = null; // an alarm
    out.push({ event, at });
  }
  return out;
}

const streams = Array.from({ length: VISITORS }, (_, v) => stream(v));
let calls = 0;
let effects = 0;
let best = Infinity;
for (let round = 0; round < ROUNDS; round++) {
  calls = 0;
  effects = 0;
  const start = performance.now();
  streams.forEach((s, v) => {
    let state: VisitorState = initialState("demo", `visitor-${v}-bench-000`, T0);
    let due: number | null = null;
    for (const { event, at } of s) {
      const r: EngineResult = event
        ? apply(state, event, config, at, "Europe/Paris")
        : wake(state, config, Math.max(at, due ?? at));
      state = r.state;
      due = r.nextDue;
      effects += r.effects.length;
      calls++;
    }
  });
  best = Math.min(best, ((performance.now() - start) * 1000) / calls);
}

const micros = Math.round(best * 100) / 100;
if (process.argv.includes("--json")) console.log(JSON.stringify({ engineMicrosPerEvent: micros }));
else
  console.log(
    `engine: ${micros} µs per event/alarm (best of ${ROUNDS} rounds of ${calls} calls, ${VISITORS} visitors, ${effects} effects per round)`,
  );
