// Random URL-safe ids (visitor and event ids) from crypto.getRandomValues: nothing derived
// from the device, so nothing fingerprinted. Used by payload.ts and transport.ts.

/**
 * 128 random bits as four decimal numbers joined by "-": 19–43 URL-safe characters, inside
 * wire.ts `id` (8–64) and `vid` (16–64); fewer than 16 only with probability below 1e-25.
 */
export const rid = (): string => crypto.getRandomValues(new Uint32Array(4)).join("-");
