const PLAIN = /^[\w@%+=:,./-]+$/;

/**
 * A command line for messages, with arguments quoted the POSIX-shell way where needed. Only
 * for display: cartograph never runs a shell.
 */
export function formatCommandLine(command: readonly string[]): string {
  return command
    .map((arg) => (PLAIN.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}
