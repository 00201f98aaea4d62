// Consent and Global Privacy Control. With `data-consent="required"`, or GPC on, nothing is
// sent or stored until nudge('consent', { marketing: true }); an explicit choice is remembered.
import { event } from "./payload.ts";
import { store } from "./storage.ts";
import { allow, flush, push } from "./transport.ts";

/** Starting state: a remembered choice wins; else off when required or when GPC is on. */
export const initConsent = (required: boolean): void => {
  const c = store("c");
  allow(
    c
      ? c == "1"
      : !required && !(navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl,
  );
};

/**
 * nudge('consent', { marketing }). Granted: remembered, sent, and what waited in memory goes
 * too. Refused: sent if we were sending (else nothing is), then nothing more is sent, the
 * visitor id and retry queue are erased, and the refusal is remembered.
 */
export const consent = (d?: { marketing?: unknown }): void => {
  const marketing = !!d?.marketing;
  push(event("consent", { marketing }));
  if (!marketing) flush();
  allow(marketing);
  store("c", marketing ? "1" : "0");
};
