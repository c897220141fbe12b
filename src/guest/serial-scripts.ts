/**
 * The shell text the serial shell sends to the guest: the session setup, probes, uploads, and
 * the scripts that run a command or send its output again. Pure; POSIX sh (busybox ash, dash,
 * bash). Every marker in this text is written `:CG""<token>` so that the echo of the text never
 * contains the marker the guest prints (`:CG<token>`).
 */
import { randomBytes } from 'node:crypto';
import { PAYLOAD_LINE_BYTES, PAYLOAD_WIDTH } from './serial-frames.js';
import type { StreamName } from './serial-output.js';
import { shellQuote, shellQuoteWord } from './shell-quote.js';

/** Ends every heredoc the host sends; not a base64 line (`-` is not in the alphabet). */
export const HEREDOC_END = 'CG-END';
const STDIN_END = 'CG-IN';
/** Base64 characters per line of what the host sends (busybox line editing takes 1023). */
const UPLOAD_WIDTH = 512;

/** A fresh token for a request: 12 random hex digits. */
export function newToken(): string {
  return randomBytes(6).toString('hex');
}

/** The guest files of a request: its work directory, its uploaded script and stdin. */
export function requestPaths(
  base: string,
  token: string,
): { dir: string; script: string; stdin: string } {
  const dir = `${base}/.cartograph-${token}`;
  return { dir, script: `${dir}.sh`, stdin: `${dir}.in` };
}

/** `data` as base64 lines of the width the host sends, ending with a newline. */
export function base64Lines(data: Buffer): string {
  const text = data.toString('base64');
  let lines = '';
  for (let i = 0; i < text.length; i += UPLOAD_WIDTH) {
    lines += `${text.slice(i, i + UPLOAD_WIDTH)}\n`;
  }
  return lines;
}

/**
 * The line that makes the guest print `:CG<token>:q:<n>:` (a probe), twice: noise has to
 * break both lines for the probe to be lost.
 */
export function probeLine(token: string, n: number): string {
  return `echo :CG""${token}:q:${n}:; echo :CG""${token}:q:${n}:\n`;
}

/** Tools the serial shell needs in the guest, beyond the shell itself. */
export const REQUIRED_TOOLS = [
  'base64',
  'md5sum',
  'nl',
  'wc',
  'mkdir',
  'rm',
  'mv',
  'cat',
  'dd',
  'sleep',
  'kill',
] as const;
/** Where the serial shell keeps its files in the guest, the first writable one. */
export const BASE_DIRS = ['/tmp', '/run', '/dev/shm', '/var/tmp'] as const;

/**
 * The one line that prepares a session: no echo (busybox ash then also stops its line
 * editing), a plain prompt, the C locale; reports missing tools (`m`), the first writable base
 * directory (`d`, after removing what earlier sessions left there) and `k` at the end.
 */
export function setupLine(token: string): string {
  const m = `:$m`;
  return (
    `stty -echo 2>/dev/null; PS1='$ '; PS2=''; export LC_ALL=C; m=CG""${token}; ` +
    `for c in ${REQUIRED_TOOLS.join(' ')}; do command -v $c >/dev/null 2>&1 || echo "${m}:m:$c:"; done; ` +
    `for b in ${BASE_DIRS.join(' ')}; do if mkdir $b/.cartograph-${token} 2>/dev/null; then ` +
    `rm -rf $b/.cartograph-*; echo "${m}:d:$b:"; break; fi; done; echo "${m}:k:"\n`
  );
}

/**
 * The lines that write `data` into `file` in the guest (`append`: after what is there), as a
 * heredoc of base64 lines decoded there.
 */
export function uploadLines(file: string, data: Buffer, append: boolean): string {
  return `base64 -d ${append ? '>>' : '>'}${file} <<'${HEREDOC_END}'\n${base64Lines(data)}${HEREDOC_END}\n`;
}

/**
 * The lines that run a script in the guest: the script is sent as base64 (unless `inline` is
 * false: it was uploaded before), its MD5 checked, then run by `sh`; a script that arrived
 * damaged is not run but answered with `:CG<token>:x:`.
 */
export function runScriptLines(
  base: string,
  token: string,
  script: Buffer,
  md5: string,
  inline: boolean,
): string {
  const file = requestPaths(base, token).script;
  const upload = inline ? uploadLines(file, script, false) : '';
  return (
    `${upload}set -- $(md5sum ${file}); if [ "$1" = ${md5} ]; then sh ${file}; ` +
    `else echo :CG""${token}:x:; fi; rm -f ${file}\n`
  );
}

// Shared by the scripts: `cg_h` prints the header, `cg_b` a stream whole, `cg_r` a range of
// its lines. `nl` numbers the lines (busybox sed doing the same is eight times slower).
const REPORT_FUNCTIONS = [
  'cg_h() {',
  '  set -- $(wc -c "$d/o" "$d/e") $(md5sum "$d/o" "$d/e")',
  '  read s <"$d/s"',
  '  echo ":$m:h:$s:$1:$7:$3:$9:"',
  '}',
  `cg_b() { if [ -s "$d/$1" ]; then base64 -w ${PAYLOAD_WIDTH} "$d/$1" | nl -ba -w1 -s :$2:; fi; }`,
  // Lines `$2 + 1` … of a stream, numbered as they are in the stream.
  `cg_r() { dd if="$d/$1" bs=${PAYLOAD_LINE_BYTES} skip=$2 count=$3 2>/dev/null | base64 -w ${PAYLOAD_WIDTH} | nl -ba -w1 -s :$4: -v $(($2 + 1)); }`,
];

const FILE_OF: Record<StreamName, string> = { stdout: 'o', stderr: 'e' };

/** What stdin a command gets. */
export type ScriptStdin =
  { kind: 'none' } | { kind: 'inline'; data: Buffer } | { kind: 'uploaded'; md5: string };

/** Input of {@link runScript}. */
export interface RunScriptInput {
  token: string;
  base: string;
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  stdin: ScriptStdin;
  /** Whole seconds after which the guest kills the command itself. */
  timeoutSeconds: number;
  /** Payload tags of the two streams. */
  tags: Readonly<Record<StreamName, string>>;
  /** Tokens of earlier requests whose files are removed first. */
  cleanup: readonly string[];
}

/**
 * The script that runs one command in the guest: its stdout and stderr go to files, it runs
 * in a session of its own (`setsid`, when there is one) so that a timeout kills all it
 * started, a watchdog kills it after `timeoutSeconds`; it prints `p` (the pids of the command
 * and the watchdog) at start, then
 * `t` (it ended), `h` (the header), both streams as payload lines, and `z`. Wrapped in braces: sh parses it
 * whole before running anything.
 */
export function runScript(input: RunScriptInput): string {
  const { token, base } = input;
  const paths = requestPaths(base, token);
  // `s` first: the shell's prompt stands at the start of the first line the script prints.
  const lines = ['{', `m=CG""${token}`, 'echo ":$m:s:"', `d=${paths.dir}`];
  if (input.cleanup.length > 0) {
    const files = input.cleanup.flatMap((old) => {
      const p = requestPaths(base, old);
      return [p.dir, p.script, p.stdin];
    });
    lines.push(`rm -rf ${files.join(' ')}`);
  }
  lines.push(`if ! mkdir -m 700 "$d"; then echo ":$m:f:mkdir:"; exit 0; fi`, ...REPORT_FUNCTIONS);
  switch (input.stdin.kind) {
    case 'none':
      lines.push('i=/dev/null');
      break;
    case 'inline':
      lines.push(`i="$d/i"`, `base64 -d >"$i" <<'${STDIN_END}'`);
      lines.push(base64Lines(input.stdin.data) + STDIN_END);
      break;
    case 'uploaded':
      lines.push(
        `i="$d/i"`,
        `mv -f ${paths.stdin} "$i"`,
        `set -- $(md5sum "$i"); if [ "$1" != ${input.stdin.md5} ]; then echo ":$m:u:"; exit 0; fi`,
      );
      break;
  }
  const exports = Object.entries(input.env).map(
    ([name, value]) => `export ${name}=${shellQuoteWord(value)}; `,
  );
  lines.push(
    'S=',
    'if command -v setsid >/dev/null 2>&1; then S=setsid; fi',
    `(${exports.join('')}exec $S ${shellQuote(input.argv)}) <"$i" >"$d/o" 2>"$d/e" &`,
    'p=$!',
    // Polls once a second rather than sleeping the whole timeout: a shell waiting for its sleep
    // may not run a TERM trap (busybox ash does not), which left the sleep behind.
    `(n=0; while kill -0 $p 2>/dev/null; do sleep 1; n=$((n + 1)); if [ $n -ge ${input.timeoutSeconds} ]; then kill -9 -$p $p; break; fi; done) >/dev/null 2>&1 </dev/null &`,
    'w=$!',
    'echo "$p $w" >"$d/pids"',
    'echo ":$m:p:$p:$w:"',
    'wait $p',
    's=$?',
    'kill $w 2>/dev/null',
    'echo $s >"$d/s"',
    'echo ":$m:t:$s:"',
    'cg_h',
    `cg_b ${FILE_OF.stdout} ${input.tags.stdout}`,
    `cg_b ${FILE_OF.stderr} ${input.tags.stderr}`,
    'echo ":$m:z:"',
    '}',
  );
  return `${lines.join('\n')}\n`;
}

/** A range of a stream to send again, and the payload tag its lines get. */
export interface ResendRange {
  stream: StreamName;
  /** First line (1-based). */
  first: number;
  count: number;
  tag: string;
}

/**
 * The script that sends parts of a command's output again (its files are still in the guest):
 * the header when `header`, then each range, then `z`.
 */
export function resendScript(
  base: string,
  token: string,
  commandToken: string,
  header: boolean,
  ranges: readonly ResendRange[],
): string {
  const lines = [
    '{',
    `m=CG""${token}`,
    'echo ":$m:s:"',
    `d=${requestPaths(base, commandToken).dir}`,
    ...REPORT_FUNCTIONS,
  ];
  if (header) lines.push('cg_h');
  for (const range of ranges) {
    lines.push(`cg_r ${FILE_OF[range.stream]} ${range.first - 1} ${range.count} ${range.tag}`);
  }
  lines.push('echo ":$m:z:"', '}');
  return `${lines.join('\n')}\n`;
}

/**
 * What brings a shell back to its prompt after an interrupted request (a probe follows): the
 * end of a heredoc the shell may still be reading (harmless otherwise: a "not found"), then,
 * when a command was started, killing its session and itself, and ending its watchdog (which
 * also ends by itself within a second of the command). Their pids are in the command's work
 * directory, so a `p`
 * marker that noise broke does not matter.
 */
export function recoverLines(base: string, commandToken: string | undefined): string {
  const kill =
    commandToken === undefined
      ? ''
      : `set -- $(cat ${requestPaths(base, commandToken).dir}/pids 2>/dev/null); ` +
        'if [ -n "$1" ]; then kill -9 -$1 $1; kill $2; fi 2>/dev/null\n';
  return `\n${HEREDOC_END}\n${kill}`;
}

/** The line that removes the files of earlier requests (at close). */
export function cleanupLine(base: string, tokens: readonly string[]): string {
  const files = tokens.flatMap((token) => {
    const p = requestPaths(base, token);
    return [p.dir, p.script, p.stdin];
  });
  return files.length === 0 ? '' : `rm -rf ${files.join(' ')}\n`;
}
