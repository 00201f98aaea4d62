// nudge('consent', …). With `data-consent="required"`, or GPC on, nothing is sent or stored
// until nudge('consent', { marketing: true }); an explicit choice is remembered. The starting
// state (remembered choice, data-consent, GPC) is set by index.ts.
import { emit } from "./payload.ts";
import { store } from "./storage.ts";
import { allow, flush } from "./transport.ts";

/**
 * nudge('consent', { marketing }). Granted: remembered, sent, and what waited in memory goes
 * too. Refused: sent if we were sending (else nothing is), then nothing more is sent, the
 * visitor id and retry queue are erased, and the refusal is remembered.
 */
export const consent = (d?: { marketing?: unknown }): void => {
  const marketing = !!d?.marketing;
  emit("consent", { marketing });
  if (!marketing) flush();
  allow(marketing);
  store("c", +marketing + ""); // "1" or "0"
};
