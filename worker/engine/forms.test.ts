// Form abandonment ends on the submit of the form that was started (by form id), not on any
// form's submit; the long form of cancelOn can still say "any form".
import { describe, expect, it } from "vitest";
import type { NudgeEvent } from "../ingest/events.ts";
import { HOUR, MIN, Sim, T0, configWith, events } from "./testkit.ts";

const EMAIL = "ana@example.com";
let n = 0;
const form = (
  name: "form_start" | "form_submit",
  at: number,
  id: string,
  data: Record<string, unknown> = {},
): NudgeEvent => ({ id: `form-evt-${++n}`, at, name, data: { form: id, ...data } }) as NudgeEvent;

describe("form abandonment and other forms", () => {
  it("is not cancelled by another form's submit", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(form("form_start", T0, "checkout-address"));
    sim.apply(form("form_submit", T0 + MIN, "newsletter"));
    sim.runUntil(T0 + HOUR);
    expect(sim.sends("form-abandoned")).toHaveLength(1);
  });

  it("is cancelled by the same form's submit", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(form("form_start", T0, "checkout-address"));
    sim.apply(form("form_submit", T0 + MIN, "checkout-address"));
    sim.runUntil(T0 + HOUR);
    expect(sim.sends("form-abandoned")).toHaveLength(0);
    expect(sim.logs("episode.cancelled")).toContainEqual(
      expect.objectContaining({ trigger: "form-abandoned", reason: "cancelOn:form_submit" }),
    );
  });

  it("is cancelled by any form's submit when the config says so (the long form)", () => {
    const ev = events();
    const config = configWith((d) => {
      const t = d.triggers.find((x) => x.id === "form-abandoned")!;
      t.cancelOn = [{ event: "form_submit" }];
    });
    const sim = new Sim(config);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(form("form_start", T0, "checkout-address"));
    sim.apply(form("form_submit", T0 + MIN, "newsletter"));
    sim.runUntil(T0 + HOUR);
    expect(sim.sends("form-abandoned")).toHaveLength(0);
  });
});

describe("a form's name fields", () => {
  const submit = (at: number, email: string, fields?: Record<string, string>) =>
    form("form_submit", at, "newsletter", { email, ...(fields ? { fields } : {}) });

  it("first_name and last_name fields greet the person by name", () => {
    const sim = new Sim();
    sim.apply(submit(T0, EMAIL, { first_name: "  Ana ", last_name: "Lima", size: "M" }));
    sim.runUntil(T0 + HOUR);
    const [welcome] = sim.sends("welcome");
    expect(welcome?.context.contact).toMatchObject({ first_name: "Ana", last_name: "Lima" });
  });

  it("a later form without them keeps the names for the same address, forgets them for a new one", () => {
    const sim = new Sim();
    sim.apply(submit(T0, EMAIL, { first_name: "Ana" }));
    sim.apply(submit(T0 + MIN, EMAIL));
    expect(sim.state.profile.first_name).toBe("Ana");
    sim.apply(submit(T0 + 2 * MIN, "someone.else@example.com"));
    expect(sim.state.profile.first_name).toBeNull();
  });
});
