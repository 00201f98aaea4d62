// One engine invocation's working copy: the draft state, the effects and facts so far, and
// helpers to record facts and to replace episodes. Internal to worker/engine; never mutates the caller's state.
import type { SiteConfig, Trigger } from "../config/schema.ts";
import type { Profile } from "./profile.ts";
import type { Effect } from "./effects.ts";
import type { Fact } from "./facts.ts";
import type { EngineState, Episode, TriggerMemory, VisitorState } from "./state.ts";

export interface Run {
  config: SiteConfig;
  profile: Profile;
  /** Fresh object; `episodes` and `memory` are fresh maps whose values are replaced, never edited. */
  engine: EngineState;
  effects: Effect[];
  /** What was decided, in order (logged and counted by the shell). */
  facts: Fact[];
  /** Visitor time zone (UTC when unknown). */
  tz: string;
  /** The time of the agenda item being processed (schedule.ts), which dates its facts. */
  clock?: number;
}

export function begin(state: VisitorState, config: SiteConfig): Run {
  return {
    config,
    profile: state.profile,
    engine: {
      ...state.engine,
      episodes: { ...state.engine.episodes },
      memory: { ...state.engine.memory },
    },
    effects: [],
    facts: [],
    tz: state.profile.tz ?? "UTC",
  };
}

export function record(run: Run, fact: Fact): void {
  run.facts.push(run.clock === undefined ? fact : { ...fact, at: run.clock });
}

export function memoryOf(run: Run, trigger: string): TriggerMemory {
  return run.engine.memory[trigger] ?? { lastEntry: null };
}

export function setMemory(run: Run, trigger: string, patch: Partial<TriggerMemory>): void {
  run.engine.memory[trigger] = { ...memoryOf(run, trigger), ...patch };
}

export function putEpisode(run: Run, ep: Episode): void {
  run.engine.episodes[ep.trigger] = ep;
}

export function dropEpisode(run: Run, trigger: string): void {
  delete run.engine.episodes[trigger];
}

const indexCache = new WeakMap<SiteConfig, Map<string, Trigger>>();

export function triggerOf(config: SiteConfig, id: string): Trigger | undefined {
  let m = indexCache.get(config);
  if (!m) {
    m = new Map(config.triggers.map((t) => [t.id, t]));
    indexCache.set(config, m);
  }
  return m.get(id);
}
