// Starting, restarting and cancelling episodes: event triggers (`on`, `if`, `count`,
// `cancelOn`, `reentry`) and the shared start logic for inactivity and date triggers.
// Called by index.ts (events) and schedule.ts (derived and timed events).
import type { Trigger } from "../config/schema.ts";
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
  const holdout = t.holdout > 0 && hash01(`${run.profile.vid}|${t.id}|${id}`) < t.holdout;
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

function cancels(t: Trigger, e: NudgeEvent, env: Env): boolean {
  return (t.cancelOn ?? []).some((c) =>
    typeof c === "string" ? c === e.name : c.event === e.name && evaluate(c.if, env),
  );
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
    if (ep && cancels(t, e, env)) {
      cancelEpisode(run, t, ep, `cancelOn:${e.name}`);
      ep = undefined;
    }
    if (ep && activity && t.inactiveFor !== undefined) {
      cancelEpisode(run, t, ep, "activity");
      ep = undefined;
    }
    if (t.on !== e.name || !evaluate(t.if, env) || !counted(run, t, e, env)) continue;
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
      startEpisode(run, t, episodeId(run, e.id), e.at, snap);
    }
  }
}
