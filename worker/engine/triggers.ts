// Starting, restarting and cancelling episodes: event triggers (`on`, `if`, `count`,
// `cancelOn`, `reentry`) and the shared start logic for inactivity and date triggers.
// Called by index.ts (events) and schedule.ts (derived and timed events).
import { PRICE_DROP_WITHIN_MS, type Trigger } from "../config/schema.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import { evaluate, getPath } from "./conditions.ts";
import type { Env } from "./context.ts";
import { hash01, hashTag } from "../lib/hash.ts";
import { memoryOf, putEpisode, record, setMemory } from "./run.ts";
import type { Run } from "./run.ts";
import type { Episode, Snapshot } from "./state.ts";
import { cancelEpisode } from "./steps.ts";

/** Recent `count` hits kept per trigger. */
export const MAX_HITS = 50;

/** URL-safe, bounded id part from any event id. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 80);

/** Episode id: the visitor's tag plus what started it, so devices of one contact never collide. */
export function episodeId(run: Run, suffix: string): string {
  return `${hashTag(run.profile.vid)}-${safe(suffix)}`;
}

/**
 * Episodes one person's devices must share, so each step has one key and the Contact object's
 * ledger sends it once: an event from the store's systems reaches every device, and one order
 * may be reported by the browser and by the backend.
 */
const SHARED = "s-";
function episodeIdOf(run: Run, e: NudgeEvent): string {
  // The person's tag keeps keys apart between people (a reused order or event id is not
  // shared with a stranger; provider idempotency keys are account-wide).
  const person = hashTag(run.profile.email ?? run.profile.vid);
  if (!e.custom && e.name === "purchase") return `${SHARED}${person}-o-${safe(e.data.order_id)}`;
  return e.verified === "server" ? `${SHARED}${person}-${safe(e.id)}` : episodeId(run, e.id);
}

export function reentryAllows(run: Run, t: Trigger, at: number): boolean {
  const last = memoryOf(run, t.id).lastEntry;
  if (last === null) return true;
  if (t.reentry === "never") return false;
  if (t.reentry === "always") return true;
  return at - last >= t.reentry;
}

export function startEpisode(run: Run, t: Trigger, id: string, at: number, snap: Snapshot): void {
  const first = t.steps[0];
  if (!first) return;
  // A shared episode is in the same group on every device.
  const owner = id.startsWith(SHARED) ? "" : run.profile.vid;
  const holdout = t.holdout > 0 && hash01(`${owner}|${t.id}|${id}`) < t.holdout;
  const ep: Episode = {
    id,
    trigger: t.id,
    startedAt: at,
    step: 0,
    dueAt: at + first.wait,
    holdout,
    snap,
    held: null,
  };
  putEpisode(run, ep);
  record(run, { type: "entered", trigger: t.id, episode: id, holdout, due: at + first.wait });
}

/**
 * Whether `e` ends the episode. The shorthand `"form_submit"` on a form trigger means the submit
 * of the same form the episode started with (by form id); the long form
 * `{ "event": "form_submit" }` means any form, or what its `if` says.
 */
function cancels(t: Trigger, ep: Episode, e: NudgeEvent, env: Env): boolean {
  return (t.cancelOn ?? []).some((c) => {
    if (typeof c !== "string") return c.event === e.name && evaluate(c.if, env);
    if (c !== e.name) return false;
    if (e.custom || e.name !== "form_submit" || ep.snap.event.name !== "form_start") return true;
    return (e.data.form ?? "") === (ep.snap.event.data.form ?? "");
  });
}

/** A price drop reaches a trigger only when the visitor saw the product within its `within`. */
function recentEnough(t: Trigger, e: NudgeEvent): boolean {
  if (e.custom || e.name !== "price_drop") return true;
  return e.at - e.data.seen_at <= (t.within ?? PRICE_DROP_WITHIN_MS);
}

/** Records a `count` hit; true once `atLeast` hits (same key, within the window) are in. */
function counted(run: Run, t: Trigger, e: NudgeEvent, env: Env): boolean {
  const c = t.count;
  if (!c) return true;
  const raw = c.sameKey === undefined ? null : getPath(env, c.sameKey);
  const key = raw === undefined || raw === null ? null : String(raw);
  const within = c.within;
  const hits = (memoryOf(run, t.id).hits ?? [])
    .filter((h) => within === undefined || e.at - h.at < within)
    .concat({ at: e.at, key })
    .slice(-MAX_HITS);
  setMemory(run, t.id, { hits });
  return hits.filter((h) => h.key === key).length >= c.atLeast;
}

/** Applies one event (browser, server or derived) to every trigger, in config order. */
export function onEvent(
  run: Run,
  e: NudgeEvent,
  snap: Snapshot,
  env: Env,
  activity: boolean,
): void {
  for (const t of run.config.triggers) {
    let ep = run.engine.episodes[t.id];
    if (ep && cancels(t, ep, e, env)) {
      cancelEpisode(run, t, ep, `cancelOn:${e.name}`);
      ep = undefined;
    }
    if (ep && activity && t.inactiveFor !== undefined) {
      cancelEpisode(run, t, ep, "activity");
      ep = undefined;
    }
    if (t.on !== e.name || e.history || !recentEnough(t, e)) continue;
    if (!evaluate(t.if, env) || !counted(run, t, e, env)) continue;
    const first = ep?.step === 0 && ep.held === null;
    if (ep && !first && reentryAllows(run, t, e.at)) {
      cancelEpisode(run, t, ep, "superseded");
      ep = undefined;
    }
    if (ep) {
      const s = t.steps[ep.step];
      if (!s) continue; // only a held last step remains; it keeps its own deadline
      putEpisode(run, { ...ep, dueAt: e.at + s.wait, snap });
      record(run, { type: "restarted", trigger: t.id, episode: ep.id, step: ep.step });
    } else if (reentryAllows(run, t, e.at)) {
      startEpisode(run, t, episodeIdOf(run, e), e.at, snap);
    }
  }
}
