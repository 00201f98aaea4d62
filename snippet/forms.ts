// Automatic capture for forms with an email field (input[type=email]): form_start on the
// first input; form_submit with the email and the fields the site allowed with
// `data-nudge-field`. A password, hidden or card field is never read, even when marked;
// `data-nudge-ignore` opts a form (or a section) out.
import { emit } from "./payload.ts";
import { flush } from "./transport.ts";

/** A form marked started (its first input seen) carries this property, set by us. */
type Form = HTMLFormElement & { nudgeStarted?: 1 };

/**
 * The fields the site allowed with `data-nudge-field`, named by its value (else by the field's
 * name), each with the value a browser would post: an unchecked checkbox or radio is left out.
 * Never, whatever the marking, a password, hidden or card field: one test over its type,
 * autocomplete token and name (new-password, cc-number, cc-csc, card_no, cvv, …), with a "!"
 * in front when unchecked ("!checkbox", "!radio").
 */
export const fields = (f: ParentNode): Record<string, string> => {
  const o: Record<string, string> = {};
  for (const x of f.querySelectorAll<HTMLInputElement>("[data-nudge-field]"))
    if (
      !/pass|hid|cc-|card|cv|csc|!(che|rad)/i.test(
        (x.checked ? "" : "!") + x.type + x.autocomplete + x.name,
      )
    )
      o[x.dataset.nudgeField || x.name] = x.value;
  return o;
};

/**
 * One capturing listener for `input` and `submit`. The form's id or name and the email are
 * checked by the worker, which drops what is invalid (a typo in the email), never the event.
 */
export const onForm = (e: Event): void => {
  const t = e.target as HTMLInputElement;
  const f = (t.form || t) as Form;
  // (an event on a non-element, say document, throws here: caught by `on`)
  const email =
    !f.closest("[data-nudge-ignore]") && f.querySelector<HTMLInputElement>("[type=email]");
  if (email) {
    const form = f.id || f.name;
    if (e.type == "submit") {
      emit("form_submit", { form, email: email.value, fields: fields(f) });
      flush(1); // a submit usually navigates away: send now, by beacon
    } else if (!f.nudgeStarted) {
      f.nudgeStarted = 1;
      emit("form_start", { form });
    }
  }
};
