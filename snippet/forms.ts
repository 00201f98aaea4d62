// Automatic capture for forms with an email field (input[type=email]): form_start on the
// first input, form_submit with the email only. No other field is ever read, so no password,
// card or hidden value can leave the page. `data-nudge-ignore` opts a form (or a section) out.
import { event } from "./payload.ts";
import { on } from "./safe.ts";
import { flush, push } from "./transport.ts";

const started = new Set<HTMLFormElement>();

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
      push(event("form_submit", { form, email: email.value }));
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
