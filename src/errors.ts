/**
 * One error taxonomy for all of cartograph: a base class with a string-literal `code`, one
 * subclass per domain. Tests assert codes, never wording; `docs/errors.md` lists every code.
 */
import type { SourceLocation } from './source/index.js';

/** Codes of errors found in Cartesian or YAML configs (parse time and expansion time). */
export const CONFIG_ERROR_CODES = [
  /** A statement that does not fit the grammar (the reference's ParserError). */
  'CFG_SYNTAX',
  /** A character that is not allowed where it stands (the reference's LexerError). */
  'CFG_UNEXPECTED_CHAR',
  /** A `"` that is never closed on a char-lexed line. */
  'CFG_UNTERMINATED_QUOTE',
  /** `include` of a path that is not a regular file. */
  'CFG_MISSING_INCLUDE',
  /** A file that includes itself, directly or through others. */
  'CFG_INCLUDE_LOOP',
  /** Includes nested deeper than the limit. */
  'CFG_INCLUDE_DEPTH',
  /** A config file that cannot be read. */
  'CFG_READ',
  /** `[default=…]` names no variant of its block. */
  'CFG_MISSING_DEFAULT',
  /** `variants` written inside a condition. */
  'CFG_VARIANTS_IN_CONDITION',
  /** `!filter` without the colon of a negative condition. */
  'CFG_NEGATION_WITHOUT_COLON',
  /** A filter with an empty `..` block (`only a .b`). */
  'CFG_EMPTY_FILTER_BLOCK',
  /** `join` written inside a condition. */
  'CFG_JOIN_IN_CONDITION',
  /** Two join operands whose names are equal or one a prefix of the other. */
  'CFG_JOIN_NAME_CLASH',
  /** A join whose operands would produce more dicts than the limit allows. */
  'CFG_JOIN_LIMIT',
  /** `_max` / `_min` comparison of values that are not numbers or sizes. */
  'CFG_NOT_NUMERIC',
  /** A regex key (`?=`, `?+=`, `?<=`, `del`) that is not a valid regular expression. */
  'CFG_BAD_REGEX',
  /** YAML form: a value of the wrong shape or an unknown key. */
  'CFG_YAML_SHAPE',
  /** YAML form: the YAML text itself does not parse. */
  'CFG_YAML_SYNTAX',
  /** A parameter holds a value its reader cannot use (`getBoolean("maybe")`). */
  'CFG_BAD_VALUE',
  /** A required parameter is missing. */
  'CFG_MISSING_PARAM',
  /**
   * A path parameter that cannot work: a file where a directory must be (or the reverse), a
   * name or path beyond the system's limits (NAME_MAX, PATH_MAX), a NUL byte. Found at load.
   */
  'CFG_BAD_PATH',
  /** Several problems found at once in a suite; each is reported with its own code. */
  'CFG_PROBLEMS',
] as const;
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** Codes of errors in the command line and options. */
export const USAGE_ERROR_CODES = ['USAGE'] as const;
export type UsageErrorCode = (typeof USAGE_ERROR_CODES)[number];

/** Codes of errors building the dependency graph of nodes and objects. */
export const GRAPH_ERROR_CODES = [
  'GRAPH_NO_PRODUCER',
  'GRAPH_MANY_PRODUCERS',
  'GRAPH_CYCLE',
  'GRAPH_UNKNOWN_OBJECT',
] as const;
export type GraphErrorCode = (typeof GRAPH_ERROR_CODES)[number];

/** Codes of errors of state operations and policies. */
export const STATE_ERROR_CODES = [
  /** A state or object name that cannot be a file or snapshot name. */
  'STATE_BAD_NAME',
  /** A policy parameter with a letter outside r/f/a/i. */
  'STATE_BAD_POLICY',
  /** A policy said abort. */
  'STATE_ABORT',
  /**
   * What an operation needs is missing: the state or root, the image to save, the running vm of
   * a vm state, the `raw_image` to convert.
   */
  'STATE_MISSING',
  /** The operation would break a chain of states or overwrite what a policy protects. */
  'STATE_REFUSED',
  /** A vm state was saved on other hardware (memory, CPUs, devices) than the vm has now. */
  'STATE_HARDWARE_MISMATCH',
  /** A backend name that does not exist, or a backend that cannot handle the request. */
  'STATE_BAD_BACKEND',
  /**
   * Another process holds the lock of an object and it did not come free in time (or the wait
   * was cancelled); `StateLockedError` names the holder.
   */
  'STATE_LOCKED',
  /**
   * A state on disk that does not match its manifest or is not readable, an operation that
   * failed half-way and left data outside its place (the message says where), or a state an
   * interrupted operation left that could not be discarded.
   */
  'STATE_CORRUPT',
] as const;
export type StateErrorCode = (typeof STATE_ERROR_CODES)[number];

/** Codes of errors running QEMU programs. */
export const QEMU_ERROR_CODES = [
  /** The program is not installed. */
  'QEMU_NOT_FOUND',
  /** The program exited with an error not covered by a more precise code. */
  'QEMU_FAILED',
  /** The image is held by another process (the "write" lock). */
  'QEMU_IMAGE_LOCKED',
  /** The image (or its backing file) does not exist. */
  'QEMU_IMAGE_MISSING',
  /** A snapshot that is not there. */
  'QEMU_SNAPSHOT_MISSING',
  /** The QMP monitor refused a command or reported an error. */
  'QEMU_QMP',
  /** The program did not answer in time. */
  'QEMU_TIMEOUT',
  /** The vm process died or could not start. */
  'QEMU_VM',
  /**
   * A value cartograph would pass to a QEMU program is unusable: a socket path beyond the
   * unix limit, an id QEMU rejects, a numeric snapshot tag that QEMU would read as an ID.
   */
  'QEMU_BAD_ARGUMENT',
  /** A snapshot tag that already exists (qemu-img would silently add a second one). */
  'QEMU_SNAPSHOT_EXISTS',
  /** The target file of a create or convert exists and overwriting was not asked for. */
  'QEMU_IMAGE_EXISTS',
  /** The call was cancelled through its `AbortSignal`; `cause` is the signal's reason. */
  'QEMU_ABORTED',
] as const;
export type QemuErrorCode = (typeof QEMU_ERROR_CODES)[number];

/** Codes of errors reaching into a running guest (exec, copy, console) and building one. */
export const GUEST_ERROR_CODES = [
  /** The guest did not answer in time: it does not boot, or its shell or agent is gone. */
  'GUEST_UNREACHABLE',
  /** The guest command did not end within its timeout; it was ended, the guest stays usable. */
  'GUEST_TIMEOUT',
  /** The guest refused the login (`guest_username`, `guest_password`). */
  'GUEST_LOGIN',
  /** The vm is not running, so there is no guest to reach. */
  'GUEST_NOT_RUNNING',
  /** The guest's answers do not follow the protocol (garbled framing, a bad agent reply). */
  'GUEST_PROTOCOL',
  /** The guest agent or shell reported an error (a command it cannot start, a file it cannot open). */
  'GUEST_FAILED',
  /** The transport asked for (`guest_access`) cannot work with this vm's hardware or guest. */
  'GUEST_BAD_ACCESS',
  /** Building the Linux guest failed (a package that cannot be found or downloaded, a tool that fails). */
  'GUEST_BUILD',
  /** The operation was cancelled through its `AbortSignal`. */
  'GUEST_ABORTED',
] as const;
export type GuestErrorCode = (typeof GUEST_ERROR_CODES)[number];

/** Codes of failures of a node while a run executes it. */
export const RUN_ERROR_CODES = [
  /** The node's command exited with an error or was killed. */
  'RUN_COMMAND_FAILED',
  /** The run was interrupted (SIGINT/SIGTERM) while the node ran. */
  'RUN_CANCELLED',
  /** A node's type is not one cartograph knows. */
  'RUN_BAD_TYPE',
] as const;
export type RunErrorCode = (typeof RUN_ERROR_CODES)[number];

/**
 * Codes of file-system failures while cartograph works (not bugs): each error names the path
 * and, where it is known, the parameter the path comes from.
 */
export const FS_ERROR_CODES = [
  /** No space left (ENOSPC), a quota (EDQUOT) or a file size limit (EFBIG) reached. */
  'FS_NO_SPACE',
  /** The file system is mounted read-only (EROFS). */
  'FS_READ_ONLY',
  /** Permission denied (EACCES, EPERM). */
  'FS_NO_ACCESS',
  /** A file stands where a directory must be (ENOTDIR), or a directory where a file must be. */
  'FS_NOT_DIRECTORY',
  /** A file name or path beyond the system's limits (ENAMETOOLONG). */
  'FS_NAME_TOO_LONG',
  /** Too many open files, in this process (EMFILE) or the system (ENFILE). */
  'FS_TOO_MANY_FILES',
  /** A directory or file that must be there is not (ENOENT), e.g. a base directory removed. */
  'FS_MISSING',
  /** Any other failure of the file system (EIO, ELOOP, …); the message quotes the system's. */
  'FS_FAILED',
] as const;
export type FsErrorCode = (typeof FS_ERROR_CODES)[number];

export type ErrorCode =
  | ConfigErrorCode
  | UsageErrorCode
  | GraphErrorCode
  | StateErrorCode
  | QemuErrorCode
  | RunErrorCode
  | GuestErrorCode
  | FsErrorCode
  | 'INTERNAL';

/** Options shared by every cartograph error. */
export interface CartographErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
  /** Where in a config the problem is; printed as `file:line:col` with a caret. */
  location?: SourceLocation;
  /** Further places that explain the error ("included from", "defined here"). */
  related?: readonly RelatedLocation[];
  /** A hint on how to fix it, printed after the message. */
  hint?: string;
}

/** A secondary location of a diagnostic. */
export interface RelatedLocation {
  message: string;
  location: SourceLocation;
}

/** Base class of every error cartograph raises on purpose. */
export class CartographError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly location: SourceLocation | undefined;
  readonly related: readonly RelatedLocation[];
  readonly hint: string | undefined;

  constructor(code: C, message: string, options: CartographErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.location = options.location;
    this.related = options.related ?? [];
    this.hint = options.hint;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** A config (Cartesian or YAML) is wrong. */
export class ConfigError extends CartographError<ConfigErrorCode> {}

/**
 * Several problems found at once in a suite (`CFG_PROBLEMS`): each of `problems` keeps its own
 * code and place, and the CLI prints them one by one before this summary.
 */
export class ConfigProblems extends ConfigError {
  readonly problems: readonly CartographError[];

  constructor(problems: readonly CartographError[]) {
    super('CFG_PROBLEMS', `${problems.length} problems in the configs; nothing was done`);
    this.problems = problems;
  }
}

/** The command line is wrong. */
export class UsageError extends CartographError<UsageErrorCode> {}

/** The nodes and objects do not form a valid graph. */
export class GraphError extends CartographError<GraphErrorCode> {}

/** A state operation failed or was refused. */
export class StateError extends CartographError<StateErrorCode> {}

/** A QEMU program failed. */
export class QemuError extends CartographError<QemuErrorCode> {}

/** Reaching into a guest, or building one, failed. */
export class GuestError extends CartographError<GuestErrorCode> {}

/** A node failed while a run executed it. */
export class RunError extends CartographError<RunErrorCode> {}

/** A file-system operation failed; `path` is the file or directory it was about. */
export class FileSystemError extends CartographError<FsErrorCode> {
  constructor(
    code: FsErrorCode,
    message: string,
    /** The file or directory the failed operation was about. */
    readonly path: string,
    options: CartographErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** Marks a code path that the type system proves unreachable. */
export function unreachable(value: never, what = 'value'): never {
  throw new CartographError('INTERNAL', `unexpected ${what}: ${JSON.stringify(value)}`);
}
