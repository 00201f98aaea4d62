// The trigger engine's public API: a pure, deterministic core. `apply` takes one event, `wake`
// runs the clock; both return the next state, the effects to perform, the facts decided and the
// next due time. Called by the Visitor DO.
import type { SiteConfig } from "../config/schema.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import { reduceProfile, removedItems, repeatOrder, seen } from "./profile.ts";
import { envOf, snapshotOf } from "./context.ts";
import type { Effect } from "./effects.ts";
import type { Fact } from "./facts.ts";
import { begin, triggerOf } from "./run.ts";
import type { Run } from "./run.ts";
import { advance, nextDue } from "./schedule.ts";
import type { VisitorState } from "./state.ts";
import { releaseHeld } from "./steps.ts";
import { onEvent } from "./triggers.ts";

export type { Effect, SendEffect, WebhookEffect } from "./effects.ts";
export { CONFIRM_TEMPLATE, CONFIRM_TRIGGER, stepKey, stepRefOf } from "./effects.ts";
export type { Channel, Fact, FactOf, LogLine, SkipReason, StepRef } from "./facts.ts";
export { logLineOf } from "./facts.ts";
export type { EngineState, Episode, Held, Snapshot, TriggerMemory, VisitorState } from "./state.ts";
export { initialState } from "./state.ts";
export { SESSION_IDLE } from "./schedule.ts";
export { HOLD_LAST_STEP } from "./steps.ts";

export interface EngineResult {
  state: VisitorState;
  effects: Effect[];
  /** What was decided (episodes entered, steps due or skipped, …), in order. */
  facts: Fact[];
  /** Earliest instant `wake` has work to do (set the alarm here); null when nothing is pending. */
  nextDue: number | null;
  /** The event id was already applied: state unchanged, no effects. */
  duplicate?: boolean;
}

/** Server-derived events are not visitor activity (they neither end idleness nor sessions). */
const SERVER_ONLY = new Set([
  "email_open",
  "email_click",
  "session_end",
  "cart_item_removed",
  "contact_verified",
  "back_in_stock",
  "price_drop",
]);

function finish(run: Run, now: number): EngineResult {
  return {
    state: { profile: run.profile, engine: run.engine },
    effects: run.effects,
    facts: run.facts,
    nextDue: nextDue(run, now),
  };
}

/** Applies one event at server time `now` (`tz`: the browser's time zone, when it sent one). */
export function apply(
  state: VisitorState,
  event: NudgeEvent,
  config: SiteConfig,
  now: number,
  tz?: string | null,
): EngineResult {
  if (seen(state.profile, event.id))
    return {
      state,
      effects: [],
      facts: [],
      nextDue: nextDueOf(state, config, now),
      duplicate: true,
    };
  const run = begin(state, config);
  advance(run, Math.min(event.at, now)); // what was due before the event arrived happens first
  // The same order again (the backend after the browser, a retried webhook): it still cancels,
  // but starts nothing and counts nothing twice.
  if (repeatOrder(run.profile, event)) event = { ...event, history: true };
  // A confirmation of an address already verified here (another device's, a repeated press)
  // is no news: it starts nothing.
  if (
    !event.custom &&
    event.name === "contact_verified" &&
    run.profile.verified === true &&
    run.profile.email === event.data.email
  )
    event = { ...event, history: true };
  const before = run.profile;
  run.profile = reduceProfile(before, event, tz);
  run.tz = run.profile.tz ?? "UTC";
  const activity = event.custom === true || !SERVER_ONLY.has(event.name);
  if (activity) {
    run.engine.lastActivity = Math.max(run.engine.lastActivity, event.at);
    run.engine.sessionEnded = false;
  }
  const snap = snapshotOf(event, run.profile);
  onEvent(run, event, snap, envOf(run.profile, snap), activity);
  // One cart update that drops several items is one removal: one episode that knows them all
  // (`items`), with the first as `item` for conditions and templates about one product.
  const gone =
    !event.custom && event.name === "cart" ? removedItems(before.cart.items, event.data.items) : [];
  const [first] = gone;
  if (first) {
    const removed: NudgeEvent = {
      id: `${event.id}-r`,
      name: "cart_item_removed",
      at: event.at,
      data: { item: first, items: gone },
    };
    const s = snapshotOf(removed, run.profile);
    onEvent(run, removed, s, envOf(run.profile, s), false);
  }
  if (run.profile.email !== null)
    for (const [key, ep] of Object.entries(run.engine.episodes)) {
      const t = triggerOf(config, key);
      if (t && ep.held) releaseHeld(run, t, ep, now);
    }
  advance(run, now);
  return finish(run, now);
}

/** Runs the clock to `now`: fires due steps, expires holds, derives timed events. */
export function wake(state: VisitorState, config: SiteConfig, now: number): EngineResult {
  const run = begin(state, config);
  advance(run, now);
  return finish(run, now);
}

/** Whether a result holds anything to store: effects, facts or a changed state (an alarm kept
 * from earlier may find nothing to do, and then nothing is written). */
export function changedFrom(before: VisitorState, r: EngineResult): boolean {
  return (
    r.effects.length > 0 || r.facts.length > 0 || JSON.stringify(r.state) !== JSON.stringify(before)
  );
}

/** When the state next needs `wake` (null: never), without changing anything. */
export function nextDueOf(state: VisitorState, config: SiteConfig, now: number): number | null {
  return nextDue(begin(state, config), now);
}

/** When this visitor's state may be erased: last seen + the site's retention. */
export function expiresAt(state: VisitorState, config: SiteConfig): number {
  return state.profile.lastSeen + config.retention;
}
