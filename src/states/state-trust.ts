/**
 * How far a state can be trusted:
 * - `manifest`: complete and described by its manifest;
 * - `unverified`: exists, without a (matching) manifest and without a trace of an interrupted
 *   write: made by hand (`cartograph set`) or by avocado-i2n; usable, never taken as current;
 * - `incomplete`: an interrupted cartograph write left it (or is writing it right now): never
 *   to be trusted, treat it as missing (the next operation on the object discards it);
 * - `missing`: not there.
 */
export type StateTrust = 'manifest' | 'unverified' | 'incomplete' | 'missing';
