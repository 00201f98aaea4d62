// What the Contact object lends the modules that do its work (delivery.ts, subscription.ts,
// conversion.ts): its environment, its stored record and the site's config. The object class
// stays a thin shell; these modules hold the logic and are read without the storage details.
import type { SiteConfig } from "../config/schema.ts";
import type { ContactRecord } from "./record.ts";

export interface ContactHost {
  env: Env;
  config(site: string): Promise<SiteConfig | null>;
  load(): ContactRecord | null;
  /** Synchronous read-modify-write of the stored record (no await inside, so nothing
   * interleaves); returning the record unchanged writes nothing. */
  mutate(site: string, email: string, fn: (r: ContactRecord) => ContactRecord): ContactRecord;
  /** The person was erased: a tombstone, nothing may be sent or stored for them. */
  erased(): boolean;
  /** Links a visitor (device) to the person. */
  addVisitor(vid: string): void;
}
