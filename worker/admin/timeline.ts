// "Why didn't they get it?": one person's or one browser's timeline, for the admin API and page.
// A contact id gives the Contact object's derived entries (ledger, opens and clicks, suppression,
// verification) merged with the activity every linked visitor keeps; a visitor id gives that
// visitor's activity plus its contact's entries when its profile has an address. Addresses never
// come in a URL: the guard refuses them.
import { httpError, httpErrorMessage } from "../lib/errors.ts";
import { CONTACT_ID, SITE_ID, VISITOR_ID } from "../lib/ids.ts";
import { contactStub, visitorStub } from "../lib/stubs.ts";
import { mergeTimeline, type Timeline } from "../timeline/entry.ts";

export type { Timeline };

/** Linked visitors read per contact timeline (the most recently linked). */
const MAX_VISITORS = 20;

/** Refuses an address where an id belongs: request lines end up in logs. */
export function refuseAddress(site: string, raw: string): void {
  if (raw.includes("@") || /%40/i.test(raw)) {
    const at = SITE_ID.test(site) ? site : "<site>";
    throw httpErrorMessage(
      400,
      "address_in_url",
      "Contacts are named by their id in URLs, never by an address (request logs keep URLs). " +
        `Look the contact up with POST /admin/api/contacts/${at}/lookup and a JSON body ` +
        '{ "email": "..." }, then use the returned contact id in this path.',
    );
  }
}

/** What an id names: a contact (24 hex digits, checked first) or a visitor; null: neither. */
export function idKind(raw: string): { of: "contact" | "visitor"; id: string } | null {
  const lower = raw.trim().toLowerCase();
  if (CONTACT_ID.test(lower)) return { of: "contact", id: lower };
  if (VISITOR_ID.test(raw)) return { of: "visitor", id: raw };
  return null;
}

async function activityOf(env: Env, site: string, vid: string) {
  const a = await visitorStub(env, site, vid).activity();
  return a ? { ...a, entries: a.entries.map((e) => ({ ...e, vid })) } : null;
}

/** The timeline an id names; null when nothing is stored for it. Throws 400 on a bad id. */
export async function loadTimeline(env: Env, site: string, raw: string): Promise<Timeline | null> {
  refuseAddress(site, raw);
  if (!SITE_ID.test(site)) throw httpError(400, "invalid_site");
  const kind = idKind(raw);
  if (!kind) throw httpError(400, "invalid_id");
  if (kind.of === "contact") {
    const c = await contactStub(env, site, kind.id).timeline();
    if (!c) return null;
    const vids = c.visitors.slice(-MAX_VISITORS);
    const lists = await Promise.all(
      vids.map(async (vid) => (await activityOf(env, site, vid))?.entries ?? []),
    );
    return {
      site,
      ...kind,
      contact: kind.id,
      visitors: vids,
      moreVisitors: c.visitors.length - vids.length,
      entries: mergeTimeline(c.entries, lists.flat()),
    };
  }
  const own = await activityOf(env, site, kind.id);
  if (!own) return null;
  const contact = own.contact;
  const theirs = contact ? await contactStub(env, site, contact).timeline() : null;
  return {
    site,
    ...kind,
    contact,
    visitors: [kind.id],
    moreVisitors: 0,
    entries: mergeTimeline(theirs?.entries ?? [], own.entries),
  };
}
