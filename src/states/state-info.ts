/** One state as `show` lists it. Which fields are set depends on the backend. */
export interface StateInfo {
  /** The state name (snapshot tag or pool file name without `.qcow2`). */
  readonly name: string;
  /** Bytes of saved RAM (qcow2vt; on the first image). */
  readonly vmStateBytes?: number;
  /** Size of the state's file on the host (qcow2ext). */
  readonly fileBytes?: number;
  /** When it was made (ISO 8601). */
  readonly date?: string;
}
