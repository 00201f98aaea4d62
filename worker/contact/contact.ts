// The Contact Durable Object: one per (site, normalised email). Owns suppression, the
// frequency cap and the send ledger; a thin shell over pure decisions in policy.ts.
import { DurableObject } from "cloudflare:workers";

export class Contact extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID`,
    );
  }
}
