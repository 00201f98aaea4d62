// Attribution (pure): which email gets the credit for a purchase, and which episodes convert for
// the holdout lift. Kept by the Contact object (one per person, so every device counts).
//
// - Credit (metric "converted", with revenue): the last click within the attribution window
//   before the purchase, else the last open; treated emails only (holdout mail was never seen).
// - Lift (metric "episode_converted"): an episode converts when a purchase falls within the
//   window after any of its (sent or held-out) emails; once per episode, in both groups.
import type { Group } from "./types.ts";

export interface Touch {
  trigger: string;
  episode: string;
  step: number;
  variant: number | null;
  group: Group;
  kind: "sent" | "open" | "click";
  at: number;
}

export interface Touches {
  /** Oldest first, bounded. */
  list: Touch[];
  /** Episodes already counted as converted (bounded, newest last). */
  converted: string[];
}

export interface Attribution {
  credit: Touch | null;
  /** One touch per newly converted episode (its latest sent touch in the window). */
  episodes: Touch[];
  touches: Touches;
}

const MAX_TOUCHES = 200;
const MAX_CONVERTED = 200;

export function emptyTouches(): Touches {
  return { list: [], converted: [] };
}

/** Adds a touch, dropping those older than the window (relative to `t.at`) and the oldest extra. */
export function addTouch(ts: Touches, t: Touch, windowMs: number): Touches {
  const list = [...ts.list.filter((x) => t.at - x.at <= windowMs), t]
    .sort((a, b) => a.at - b.at)
    .slice(-MAX_TOUCHES);
  return { ...ts, list };
}

export function attribute(ts: Touches, purchaseAt: number, windowMs: number): Attribution {
  const inWindow = ts.list.filter((t) => t.at <= purchaseAt && purchaseAt - t.at <= windowMs);
  const latest = (kind: Touch["kind"]) =>
    inWindow.filter((t) => t.kind === kind && t.group === "treated").at(-1) ?? null;
  const credit = latest("click") ?? latest("open");
  const byEpisode = new Map<string, Touch>();
  for (const t of inWindow) {
    if (t.kind !== "sent" || ts.converted.includes(t.episode)) continue;
    byEpisode.set(t.episode, t);
  }
  const episodes = [...byEpisode.values()];
  return {
    credit,
    episodes,
    touches: {
      list: ts.list,
      converted: [...ts.converted, ...episodes.map((e) => e.episode)].slice(-MAX_CONVERTED),
    },
  };
}
