/** An asynchronous QMP event (`STOP`, `RESUME`, `JOB_STATUS_CHANGE`, `SHUTDOWN`, …). */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}
