// The visitor's persisted state: the profile (profile.ts) plus the engine's own
// bookkeeping (episodes, counters, reentry, derived-event clocks). Plain JSON; the Visitor DO stores it.
import { emptyProfile } from "./profile.ts";
import type { Profile } from "./profile.ts";

/** What an episode remembers of the moment it started, for conditions and templates. */
export interface Snapshot {
  event: {
    id: string;
    name: string;
    at: number;
    url: string | null;
    data: Record<string, unknown>;
  };
  product: Record<string, unknown> | null;
  order: Record<string, unknown> | null;
}

/**
 * A step that came due while the visitor had no known email, or (double opt-in) an address not
 * yet confirmed: sent if the email arrives, or is confirmed, in time.
 */
export interface Held {
  step: number;
  /** When the step was due. */
  due: number;
  /** After this instant it is skipped (for `reason`): the next step's due time, or due + 24 h. */
  until: number;
  /** What it waits for; absent (states stored before opt-in existed) means `no_email`. */
  reason?: HoldReason;
}

export type HoldReason = "no_email" | "unconfirmed";

/** One run of a trigger for this visitor. At most one active episode per trigger. */
export interface Episode {
  id: string;
  trigger: string;
  startedAt: number;
  /** Next step to fire; equals the step count once all have fired. */
  step: number;
  /** When `step` is due; null once every step has fired. */
  dueAt: number | null;
  holdout: boolean;
  snap: Snapshot;
  held: Held | null;
}

/** Per-trigger memory that outlives episodes. */
export interface TriggerMemory {
  /** Start of the last episode that reached a step (reentry counts from here). */
  lastEntry: number | null;
  /** Recent matching events for `count` (bounded). */
  hits?: { at: number; key: string | null }[];
  /** `inactiveFor`: the last-activity instant already evaluated. */
  inactiveAnchor?: number;
  /** `date`: the last local year handled. */
  dateYear?: number;
}

export interface EngineState {
  v: 1;
  /** Last browser event (server events like email_open are not activity). */
  lastActivity: number;
  /** session_end already derived for `lastActivity`. */
  sessionEnded: boolean;
  /** Active episodes by trigger id. */
  episodes: Record<string, Episode>;
  memory: Record<string, TriggerMemory>;
}

export interface VisitorState {
  profile: Profile;
  engine: EngineState;
}

export function initialState(site: string, vid: string, now: number): VisitorState {
  return {
    profile: emptyProfile(site, vid, now),
    engine: { v: 1, lastActivity: now, sessionEnded: true, episodes: {}, memory: {} },
  };
}
