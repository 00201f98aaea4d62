// Which of a site's Stats shards counts an event. Pure: shared by the write side (record.ts)
// and the lifecycle model of the bench.
import { fnv1a32 } from "../lib/hash.ts";
import type { StatEvent } from "./types.ts";

/** Shards per site: no single object sees every visitor's events. */
export const SHARDS = 8;

/** The shard of an event. Equal (trigger, unique) pairs always meet in one shard, so the
 * shard's dedupe table sees every repeat. */
export function shardOf(e: Pick<StatEvent, "trigger" | "unique" | "contact" | "at">): number {
  return fnv1a32(`${e.trigger}\n${e.unique ?? e.contact ?? String(e.at)}`) % SHARDS;
}
