import { event } from "./payload.ts";
import { on } from "./safe.ts";
import { flush, push } from "./transport.ts";

const started = new Set<HTMLFormElement>();

/** Field types, names and autocomplete tokens never read: passwords, hidden and card fields. */
export const SECRET = /pass|hid|cc-|card|cv[cv]|csc/i;

/**
 * The fields the site allowed with `data-nudge-field` (named by its value, else by the field's
 * name): a checkbox as true/false, a radio only when checked, others by value. A password,
 * hidden or card field is never read, whatever its marking.
 */
export const fields = (f: ParentNode): Record<string, string | boolean> => {
  const o: Record<string, string | boolean> = {};
  for (const x of f.querySelectorAll<HTMLInputElement>("[data-nudge-field]")) {
    const t = x.type;
    if (!SECRET.test(t + x.autocomplete + x.name) && (t != "radio" || x.checked))
      o[x.dataset.nudgeField || x.name] = t == "checkbox" ? x.checked : x.value;
  }
  return o;
};

/**
 * One capturing listener for `input` and `submit`. The form's id or name and the email are
 * checked by the worker, which drops what is invalid (a typo in the email), never the event.
 */
const onForm = (e: Event): void => {
  const t = e.target as HTMLInputElement;
  const f = (t.form || t) as HTMLFormElement;
  const email =
    f.closest &&
    !f.closest("[data-nudge-ignore]") &&
    f.querySelector<HTMLInputElement>("[type=email]");
  if (email) {
    const form = f.id || f.name;
    if (e.type == "submit") {
      push(event("form_submit", { form, email: email.value, fields: fields(f) }));
      flush(1); // a submit usually navigates away: send now, by beacon
    } else if (!started.has(f)) {
      started.add(f);
      push(event("form_start", { form }));
    }
  }
};

export const watchForms = (): void => {
  on("input", onForm);
  on("submit", onForm);
};
