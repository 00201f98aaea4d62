// Builds one wire event, as defined once in worker/ingest/wire.ts (types only, erased at build), and
// queues it. Called by api.ts, page.ts, forms.ts and consent.ts; batches are built in
// transport.ts.
import type { WireEvent } from "../worker/ingest/wire.ts";
import { push } from "./transport.ts";

export type Name = WireEvent["name"];

/**
 * Queues one wire event: a fresh id from `crypto.randomUUID()` (retries reuse it, so the worker
 * deduplicates; outside a secure context it throws, see index.ts), the custom name of a `track`
 * event, and the minimal page URL, uncut (the worker stores at most 2,048 characters of it).
 * `data` is copied now: later changes by the page (a cart object) do not leak in, and what JSON
 * cannot carry throws here, losing that one call only. The worker validates the rest.
 *
 * The minimal page URL is origin + path and only the `utm_*` parameters, as the worker keeps it
 * (`minimalPageUrl` in worker/ingest/url.ts, which also checks the name's length and letters):
 * never the fragment or any other parameter, which carry emails, reset tokens and form fields.
 * Each dropped parameter goes with its "?" or "&"; a leading "&" left over becomes the "?".
 */
export const emit = (name: Name, data?: unknown, custom?: unknown): void =>
  push(
    JSON.parse(
      JSON.stringify({
        id: crypto.randomUUID(),
        name,
        event: custom,
        url:
          location.origin +
          location.pathname +
          location.search.replace(/(^.|&)(?!utm_)[^&]*/gi, "").replace(/^&/, "?"),
        data,
      }),
    ) as WireEvent,
  );
