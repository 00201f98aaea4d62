// The engine's agenda: everything that happens by the clock (due steps, expiring holds, derived
// session_end, inactivity and yearly date triggers), processed in time order up to `until`.
// Called by index.ts for wake and around each applied event.
import { parseClock, MINUTE } from "../config/duration.ts";
import type { Trigger } from "../config/schema.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import { evaluate, getPath } from "./conditions.ts";
import { envOf, syntheticSnapshot } from "./context.ts";
import { hashTag } from "../lib/hash.ts";
import { dropEpisode, memoryOf, record, setMemory, triggerOf } from "./run.ts";
import type { Run } from "./run.ts";
import type { Episode } from "./state.ts";
import { expireHeld, fireStep, HOLD_LAST_STEP, skip } from "./steps.ts";
import { episodeId, onEvent, reentryAllows, startEpisode } from "./triggers.ts";
import { monthDay, nextYearly } from "./time.ts";

/** The default of the site's `sessionIdle`: a visitor idle this long has ended their session
 * (derived `session_end`). */
export const SESSION_IDLE = 30 * MINUTE;
/** Safety bound on agenda items processed in one call. */
const MAX_ITEMS = 10_000;

type Kind = "held" | "step" | "session" | "inactive" | "date";
const ORDER: Record<Kind, number> = { held: 0, step: 1, session: 2, inactive: 3, date: 4 };

interface Item {
  at: number;
  kind: Kind;
  trigger: Trigger | null;
  /** Episode map key (the trigger id) for held/step items. */
  key?: string;
  year?: number;
}

const sessionUsers = new WeakMap<object, boolean>();

/** session_end is only derived when some trigger listens to it or cancels on it. */
function usesSessionEnd(run: Run): boolean {
  let v = sessionUsers.get(run.config);
  if (v === undefined) {
    v = run.config.triggers.some(
      (t) =>
        t.on === "session_end" ||
        (t.cancelOn ?? []).some((c) => (typeof c === "string" ? c : c.event) === "session_end"),
    );
    sessionUsers.set(run.config, v);
  }
  return v;
}

function dateOf(run: Run, t: Trigger, now: number): { year: number; at: number } | null {
  if (t.date === undefined) return null;
  const md = monthDay(dateValue(run, t.date, now));
  if (!md) return null;
  const minutes = parseClock(t.at ?? "09:00") ?? 540;
  return nextYearly(md, minutes, run.tz, now, memoryOf(run, t.id).dateYear ?? null);
}

/** The value at a `date` path; contact traits (the usual case) are read without building an env. */
function dateValue(run: Run, path: string, now: number): unknown {
  const [root, key, ...rest] = path.split(".");
  const p = run.profile;
  if (root === "contact" && key !== undefined && rest.length === 0)
    return Object.hasOwn(p.traits, key) ? p.traits[key] : undefined;
  return getPath(envOf(p, syntheticSnapshot("", "date", now, p)), path);
}

/** Every pending item, earliest first by (time, kind, trigger order). */
function items(run: Run, now: number): Item[] {
  const out: Item[] = [];
  const e = run.engine;
  for (const [key, ep] of Object.entries(e.episodes)) {
    const t = triggerOf(run.config, key) ?? null;
    if (ep.held) out.push({ at: ep.held.until, kind: "held", trigger: t, key });
    if (ep.dueAt !== null) out.push({ at: ep.dueAt, kind: "step", trigger: t, key });
  }
  if (!e.sessionEnded && usesSessionEnd(run))
    out.push({
      at: e.lastActivity + (run.config.sessionIdle ?? SESSION_IDLE),
      kind: "session",
      trigger: null,
    });
  for (const t of run.config.triggers) {
    if (t.inactiveFor !== undefined && memoryOf(run, t.id).inactiveAnchor !== e.lastActivity) {
      const at = e.lastActivity + t.inactiveFor;
      if (inactiveMayStart(run, t, at)) out.push({ at, kind: "inactive", trigger: t });
    }
    const d = dateOf(run, t, now);
    if (d) out.push({ at: d.at, kind: "date", trigger: t, year: d.year });
  }
  return out;
}

/** The snapshot an inactivity check of `t` at `at` is decided on (process, below). */
function inactiveSnapshot(run: Run, at: number) {
  const id = episodeId(run, `i${run.engine.lastActivity.toString(36)}`);
  return syntheticSnapshot(id, "inactive", at, run.profile);
}

/**
 * Whether the inactivity check of `t` due at `at` could start an episode: its `if`, decided now
 * exactly as it would be then (the profile changes only with an event: activity moves the
 * check, and any event first spends a check whose time has passed, see `passChecks`). A check
 * that cannot start one is not scheduled: no wake-up, no write.
 */
function inactiveMayStart(run: Run, t: Trigger, at: number): boolean {
  if (t.if === undefined) return true;
  // Asked on every pass over the agenda: decided once per profile (replaced, never edited, when
  // it changes), trigger and check time, which is all the answer depends on.
  let known = mayStart.get(run.profile);
  if (!known) mayStart.set(run.profile, (known = []));
  const hit = known.find((k) => k.t === t && k.at === at);
  if (hit) return hit.yes;
  const yes = evaluate(t.if, envOf(run.profile, inactiveSnapshot(run, at)));
  known.push({ t, at, yes });
  return yes;
}

const mayStart = new WeakMap<object, { t: Trigger; at: number; yes: boolean }[]>();

function earliest(list: Item[], until: number, run: Run): Item | null {
  let best: Item | null = null;
  const idx = (i: Item) => (i.trigger ? run.config.triggers.indexOf(i.trigger) : -1);
  for (const i of list) {
    if (i.at > until) continue;
    if (
      !best ||
      i.at < best.at ||
      (i.at === best.at &&
        (ORDER[i.kind] < ORDER[best.kind] || (i.kind === best.kind && idx(i) < idx(best))))
    )
      best = i;
  }
  return best;
}

function process(run: Run, item: Item): void {
  const t = item.trigger;
  switch (item.kind) {
    case "held":
    case "step": {
      const key = item.key ?? "";
      const ep = run.engine.episodes[key];
      if (!ep) return;
      if (!t) {
        // The trigger left the config: end its episode, logging why (a held step is skipped).
        if (ep.held) skip(run, { id: key }, ep, ep.held.step, "cancelled");
        dropEpisode(run, key);
        record(run, {
          type: "cancelled",
          trigger: key,
          episode: ep.id,
          step: null,
          reason: "trigger_removed",
        });
        return;
      }
      if (item.kind === "held") expireHeld(run, t, ep);
      else fireStep(run, t, ep, item.at);
      return;
    }
    case "session": {
      const e = run.engine;
      e.sessionEnded = true;
      const ev: NudgeEvent = {
        id: `se${e.lastActivity.toString(36)}`,
        name: "session_end",
        at: item.at,
        data: {},
      };
      const snap = syntheticSnapshot(ev.id, ev.name, ev.at, run.profile);
      onEvent(run, ev, snap, envOf(run.profile, snap), false);
      return;
    }
    case "inactive": {
      if (!t) return;
      setMemory(run, t.id, { inactiveAnchor: run.engine.lastActivity });
      if (run.engine.episodes[t.id]) return;
      const snap = inactiveSnapshot(run, item.at);
      if (evaluate(t.if, envOf(run.profile, snap)) && reentryAllows(run, t, item.at))
        startEpisode(run, t, snap.event.id, item.at, snap);
      return;
    }
    case "date": {
      if (!t || item.year === undefined) return;
      setMemory(run, t.id, { dateYear: item.year });
      if (run.engine.episodes[t.id]) return;
      const who = hashTag(run.profile.email ?? run.profile.vid);
      const id = `${who}-d${item.year}`;
      const snap = syntheticSnapshot(id, "date", item.at, run.profile);
      if (evaluate(t.if, envOf(run.profile, snap))) startEpisode(run, t, id, item.at, snap);
      return;
    }
  }
}

/** Processes every item due at or before `until`, in time order. */
export function advance(run: Run, until: number): void {
  for (let n = 0; n < MAX_ITEMS; n++) {
    const next = earliest(items(run, until), until, run);
    if (!next) return passChecks(run, until);
    run.clock = next.at;
    process(run, next);
    run.clock = undefined;
  }
  record(run, { type: "agenda_overflow", until });
}

/**
 * An inactivity check left out because its `if` could not hold (see `inactiveMayStart`) is
 * spent once its time has passed, as if it had run: an event that later makes the `if` hold
 * without being activity (a confirmation, an open) starts nothing for that stretch. Called
 * before the event changes the profile, which therefore is the profile of the check's time.
 */
function passChecks(run: Run, until: number): void {
  const last = run.engine.lastActivity;
  for (const t of run.config.triggers)
    if (
      t.inactiveFor !== undefined &&
      last + t.inactiveFor <= until &&
      memoryOf(run, t.id).inactiveAnchor !== last
    )
      setMemory(run, t.id, { inactiveAnchor: last });
}

/** When the state next needs a wake (the earliest item, see `wakeAt`), or null when nothing is
 * scheduled. */
export function nextDue(run: Run, now: number): number | null {
  let min: number | null = null;
  const ends = quietEnds(run);
  for (const i of items(run, now)) {
    const at = wakeAt(i, ends);
    if (min === null || at < min) min = at;
  }
  return min;
}

/**
 * How much later than its own end a quiet episode may be recorded, to share the wake of another
 * episode that ends after it (one alarm run instead of two).
 */
export const QUIET_SHARE = 24 * 60 * MINUTE;

/**
 * When an item needs a wake of its own. With `anonymousSteps: "deferred"`, an email step of a
 * visitor with no address (and the hold it leads to) can only be held, then skipped: it needs
 * none before its episode's last hold runs out, nor before the end of another such episode that
 * ends at most QUIET_SHARE after it (`ends`: those ends by episode key, see quietEnds). A wake
 * for anything else, or an event (which first catches the agenda up, in time order, see index.ts
 * `apply`), processes it sooner; so does a wake at that end. Only an event can bring an address,
 * so nothing is decided differently: the facts are the same, recorded later.
 */
function wakeAt(i: Item, ends: ReadonlyMap<string, number>): number {
  const end = (i.kind === "step" || i.kind === "held") && i.key !== undefined && ends.get(i.key);
  if (!end) return i.at;
  let at = end;
  for (const e of ends.values()) if (e > at && e <= end + QUIET_SHARE) at = e;
  return at;
}

/** The end of each quiet episode of the visitor (see quietEnd), by episode key; none unless the
 * site defers the steps of visitors with no address and this one has none. */
function quietEnds(run: Run): Map<string, number> {
  const ends = new Map<string, number>();
  if (run.config.anonymousSteps !== "deferred" || run.profile.email !== null) return ends;
  for (const t of run.config.triggers) {
    const ep = run.engine.episodes[t.id];
    const end = ep ? quietEnd(t, ep) : null;
    if (end !== null) ends.set(t.id, end);
  }
  return ends;
}

/**
 * When an episode of a visitor with no address ends: its last step fired and held, and that hold
 * run out (fireStep, steps.ts). Null when a step left could act without an address (a webhook).
 */
function quietEnd(t: Trigger, ep: Episode): number | null {
  if (ep.dueAt === null) return ep.held?.until ?? null;
  let at = ep.dueAt;
  for (let j = ep.step; j < t.steps.length; j++) {
    const s = t.steps[j]!;
    if (s.webhook !== undefined) return null;
    if (j > ep.step) at += s.wait;
  }
  return ep.step < t.steps.length ? at + HOLD_LAST_STEP : at;
}
