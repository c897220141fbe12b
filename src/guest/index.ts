/** guest: the two ways into a running guest, serial shell and guest agent (re-exports only). */
export {
  type GuestAccessKind,
  type GuestChannelPaths,
  openGuestChannel,
  type OpenGuestChannelOptions,
} from './open-guest-channel.js';
export {
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_FILE_TIMEOUT_MS,
  type GuestChannel,
  type GuestExecOptions,
  type GuestExecResult,
  type GuestReadFileOptions,
  type GuestWriteFileOptions,
} from './guest-channel.js';
export { GuestAgent, type GuestAgentOptions, MAX_FILE_CHUNK } from './guest-agent.js';
export { SerialShell, type SerialShellOptions } from './serial-shell.js';
export { shellQuote, shellQuoteWord } from './shell-quote.js';
export { cleanConsoleLine, ConsoleText } from './console-text.js';
