import type { BackendName } from './backend-name.js';

/** Whether one requested state (`check_state`) exists. */
export interface CheckResult {
  readonly target: string;
  readonly kind: 'images' | 'vms';
  readonly state: string;
  readonly backend: BackendName;
  readonly exists: boolean;
}
