// /admin/api/contacts/:site/:email (or :contact, the hash the logs show): read a contact (suppression, sends, linked visitors) and
// erase it together with every visitor linked to it. Bearer ADMIN_TOKEN (requireAdmin).
import { Hono } from "hono";
import { z } from "zod";
import { contactHash } from "../lib/crypto.ts";
import { httpError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { contactStub, visitorStub } from "../lib/stubs.ts";
import { requireAdmin } from "./admin.ts";

export const contacts = new Hono<{ Bindings: Env }>();
contacts.use("/admin/api/contacts/*", requireAdmin);

const SITE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const Email = z.email().max(254);
const HASH = /^[0-9a-f]{24}$/;

/** The contact named by its email, or by its hash (keeps addresses out of request logs). */
async function target(env: Env, site: string, raw: string) {
  if (!SITE.test(site)) throw httpError(400, "invalid_site");
  const email = raw.trim().toLowerCase();
  let contact: string;
  if (HASH.test(email)) contact = email;
  else if (Email.safeParse(email).success)
    contact = await contactHash(env.NUDGE_SECRET, site, email);
  else throw httpError(400, "invalid_email");
  return { contact, stub: contactStub(env, site, contact) };
}

contacts.get("/admin/api/contacts/:site/:email", async (c) => {
  const { site, email } = c.req.param();
  const { contact, stub } = await target(c.env, site, email);
  const snap = await stub.snapshot(contact);
  if (!snap) throw httpError(404, "not_found");
  return c.json(snap);
});

contacts.delete("/admin/api/contacts/:site/:email", async (c) => {
  const { site, email } = c.req.param();
  const { contact, stub } = await target(c.env, site, email);
  const vids = await stub.erase();
  // Visitors first would leave a contact pointing at nothing; the contact is already gone, so a
  // failure here is reported and the call can simply be repeated.
  await Promise.all(vids.map((vid) => visitorStub(c.env, site, vid).erase()));
  log("info", "contact.erased", { site, contact, visitors: vids.length });
  return c.json({ erased: true, contact, visitors: vids.length });
});
