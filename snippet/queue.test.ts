// The pending-event queue's pure logic: bounded, oldest dropped first, robust reads.
import { describe, expect, it } from "vitest";
import type { WireEvent } from "../worker/wire.ts";
import { add, MAX_EVENTS, parse } from "./queue.ts";

const ev = (n: number): WireEvent => ({ id: `event-${n}`, name: "page", data: {} });

describe("queue", () => {
  it("keeps at most MAX_EVENTS, dropping the oldest", () => {
    const q: WireEvent[] = [];
    for (let i = 0; i < MAX_EVENTS + 25; i++) add(q, ev(i));
    expect(q).toHaveLength(MAX_EVENTS);
    expect(q[0]!.id).toBe("event-25");
    expect(q.at(-1)!.id).toBe(`event-${MAX_EVENTS + 24}`);
  });

  it("reads back what it stored", () => {
    const q = [ev(1), ev(2)];
    expect(parse(JSON.stringify(q))).toEqual(q);
  });

  it.each([[undefined], [""], ["{"], ["null"], ["42"], ['{"a":1}']])("reads %j as empty", (s) => {
    expect(parse(s)).toEqual([]);
  });
});
