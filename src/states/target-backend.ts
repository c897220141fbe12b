import type { BackendName } from './backend-name.js';
import type { BeginWrite } from './begin-write.js';
import type { ResolvedContext } from './resolved-context.js';
import type { StateInfo } from './state-info.js';

/** A backend bound to one target (see `StateBackend` for what each method does). */
export interface TargetBackend {
  readonly name: BackendName;
  show(ctx: ResolvedContext): Promise<StateInfo[]>;
  exists(state: string, ctx: ResolvedContext): Promise<boolean>;
  get(state: string, ctx: ResolvedContext): Promise<string | undefined>;
  set(
    state: string,
    overwrite: boolean,
    ctx: ResolvedContext,
    begin: BeginWrite,
  ): Promise<string | undefined>;
  unset(state: string, ctx: ResolvedContext, begin: BeginWrite): Promise<string | undefined>;
  checkRoot(ctx: ResolvedContext): Promise<boolean>;
  getRoot(ctx: ResolvedContext): Promise<void>;
  setRoot(ctx: ResolvedContext): Promise<string | undefined>;
  unsetRoot(ctx: ResolvedContext): Promise<string | undefined>;
}
