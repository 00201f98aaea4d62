// The command API (documented in README.md): nudge(command, ...args) → wire events. Unknown
// commands are ignored; data is passed as given (copied) and validated by the worker. Called by
// index.ts.
import { consent } from "./consent.ts";
import { page } from "./page.ts";
import { emit, type Name } from "./payload.ts";

export const call = (cmd?: unknown, x?: unknown, y?: unknown): unknown =>
  /^(identify|product|cart|checkout|purchase|notify)$/.test(cmd as string)
    ? emit(cmd as Name, x)
    : cmd == "track"
      ? x && emit("track", y, x)
      : cmd == "consent"
        ? consent(x as { marketing?: unknown })
        : cmd == "page" && page(1);
