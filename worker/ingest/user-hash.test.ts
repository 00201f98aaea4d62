// user_hash: the worker computes what the docs tell a store's backend to compute (the Node and
// Python examples in docs/server-events.md give this same vector), and checkUserHash marks only
// a matching identify verified, never keeping the hash.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { NudgeEvent } from "./events.ts";
import { checkUserHash, userHash } from "./user-hash.ts";

// Python: hmac.new(b"k3y", " Ada@Example.com ".strip().lower().encode(), hashlib.sha256).hexdigest()
const VECTOR = "9ae450d30547cff6a7c4c006e3e511196b21c4a45597b35b57519c5672b313d0";

const identify = (email: string, user_hash?: unknown): NudgeEvent =>
  ({
    id: "evt-identify-1",
    at: 0,
    name: "identify",
    data: user_hash === undefined ? { email } : { email, user_hash },
  }) as NudgeEvent;

describe("user_hash", () => {
  it("is hex HMAC-SHA256 of the trimmed, lower-cased email, keyed by the server key", async () => {
    expect(await userHash("k3y", " Ada@Example.com ")).toBe(VECTOR);
    const node = createHmac("sha256", "k3y").update("ada@example.com").digest("hex");
    expect(await userHash("k3y", "ada@example.com")).toBe(node);
  });

  it("verifies a matching identify (upper-case hex too) and drops the hash either way", async () => {
    const ok = await checkUserHash("k3y", identify("ada@example.com", VECTOR.toUpperCase()));
    expect(ok.result).toBe("valid");
    expect(ok.event).toMatchObject({ verified: "user_hash", data: { email: "ada@example.com" } });
    expect(JSON.stringify(ok.event)).not.toContain(VECTOR);
    for (const bad of ["0".repeat(64), VECTOR.slice(1), 42, null]) {
      const r = await checkUserHash("k3y", identify("ada@example.com", bad));
      expect(r.result).toBe("invalid");
      expect(r.event.verified).toBeUndefined();
      expect("user_hash" in (r.event.data as object)).toBe(false);
    }
    // Another address's hash, or no server key on the worker: never verified.
    expect((await checkUserHash("k3y", identify("bo@example.com", VECTOR))).result).toBe("invalid");
    expect((await checkUserHash("", identify("ada@example.com", VECTOR))).result).toBe("invalid");
    expect((await checkUserHash("k3y", identify("ada@example.com"))).result).toBe("none");
  });
});
