/**
 * What a backend calls right before it starts to change a state (after every check that can
 * refuse): the policy layer then writes the state's in-progress marker. Until then nothing has
 * changed, and a refusal leaves the state (and its manifest) as it was. An unset names the
 * states it removes with the one asked for (`unset_dependents`).
 */
export type BeginWrite = (info?: { readonly dependents?: readonly string[] }) => Promise<void>;
