// The Contact object passing events to the person's visitors (devices): a confirmation, the
// backend's events. A few objects at a time, best effort per visitor: a failure is logged, and
// the caller may repeat the whole, since visitors drop event ids they already have.
import type { NudgeEvent } from "../ingest/events.ts";
import { errorMessage } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { visitorStub } from "../lib/stubs.ts";

/** Visitors called at once. */
const CONCURRENCY = 8;

/** Sends `events` to each of `vids` but `except`; `base`: the worker's public origin, if known. */
export async function forwardToVisitors(
  env: Env,
  site: string,
  contact: string,
  vids: string[],
  events: NudgeEvent[],
  { except, base = null }: { except?: string; base?: string | null } = {},
): Promise<void> {
  const to = vids.filter((v) => v !== except);
  for (let i = 0; i < to.length; i += CONCURRENCY) {
    await Promise.all(
      to.slice(i, i + CONCURRENCY).map(async (vid) => {
        try {
          await visitorStub(env, site, vid).ingest({
            site,
            vid,
            tz: null,
            base,
            events,
            fromContact: true,
          });
        } catch (err) {
          log("warn", "contact.forward_failed", { site, contact, vid, reason: errorMessage(err) });
        }
      }),
    );
  }
}
