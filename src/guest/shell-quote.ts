/** POSIX shell quoting of a command line whose words must reach the program unchanged. */

// Words made only of these need no quotes in any POSIX shell. `=` is left out (a first word
// `A=B` would be an assignment), so are `~` (tilde expansion) and `^` (a pipe in old shells).
const PLAIN = /^[A-Za-z0-9_@%+:,./-]+$/;

/** One word, quoted when it needs to be: `a b` → `'a b'`, `it's` → `'it'\''s'`, `` → `''`. */
export function shellQuoteWord(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * A command line that a POSIX shell splits back into exactly `argv`: every word that is not
 * plain is single-quoted (inside single quotes nothing is special but `'` itself, written
 * `'\''`), so no expansion, globbing or re-splitting happens. Newlines and other control
 * characters stay inside the quotes as they are.
 */
export function shellQuote(argv: readonly string[]): string {
  return argv.map(shellQuoteWord).join(' ');
}
