// The pinned command API: nudge(command, ...args) → wire events. Unknown commands are ignored;
// data is passed as given (copied) and validated by the worker. Called by index.ts.
import { consent } from "./consent.ts";
import { page } from "./page.ts";
import { event, type Name } from "./payload.ts";
import { push } from "./transport.ts";

export const call = ([cmd, x, y]: unknown[]): unknown =>
  cmd == "track"
    ? x && push(event("track", y, { event: x }))
    : cmd == "consent"
      ? consent(x as { marketing?: unknown })
      : cmd == "page"
        ? page(1)
        : /^(identify|product|cart|checkout|purchase)$/.test(cmd as string) &&
          push(event(cmd as Name, x));
