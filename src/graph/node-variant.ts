import type { Params } from '../params/index.js';
import type { CtxLabel } from '../parser/index.js';

/** One dict of the nodes config: a setup step or a test, not yet bound to objects. */
export interface NodeVariant {
  /** The dict's full name. */
  readonly name: string;
  readonly shortname: string;
  readonly params: Params;
  /** Labels of the name, for `only=` / `get_images=` filters. */
  readonly labels: readonly CtxLabel[];
  /** Position in the nodes config (stable order for output). */
  readonly index: number;
}
