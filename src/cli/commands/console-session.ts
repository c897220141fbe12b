/**
 * The interactive side of `cartograph console`: the terminal in raw mode, its keys relayed to
 * the vm's serial console and the console's output to the terminal, until Ctrl-] or until the
 * vm goes away. Loaded only by that command.
 */
import type { Socket } from 'node:net';
import { type StateContext, type VmTarget, withSerialConsole } from '../../states/index.js';
import { type CliIo, EXIT, writeAll } from '../main.js';

/** The key that leaves the console (telnet's and virsh's). */
const ESCAPE = 0x1d;
/** How long a console whose keys came from a pipe stays after they ended and it went quiet. */
const QUIET_MS = 1_000;

type TtyStream = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };

/** Relays between the terminal and the serial console until Ctrl-] or a closed console. */
export async function attachConsole(
  target: VmTarget,
  ctx: StateContext,
  io: CliIo,
): Promise<number> {
  const stdin: TtyStream | undefined = io.stdin;
  return withSerialConsole(target, ctx, async (socket: Socket) => {
    await writeAll(
      io.stderr,
      `cartograph: connected to the serial console of ${target.id} (Ctrl-] leaves)\n`,
    );
    // On a terminal every key goes to the guest as it is typed (Ctrl-C included).
    const setRaw = stdin?.isTTY === true ? stdin.setRawMode?.bind(stdin) : undefined;
    setRaw?.(true);
    try {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(quiet);
          stdin?.off('data', onKeys);
          stdin?.pause();
          resolve();
        };
        const onKeys = (chunk: Buffer | string): void => {
          const data = Buffer.from(chunk);
          const escape = data.indexOf(ESCAPE);
          if (escape >= 0) {
            socket.write(data.subarray(0, escape));
            done();
            return;
          }
          socket.write(data);
        };
        let quiet: NodeJS.Timeout | undefined;
        let ended = false;
        socket.on('data', (data: Buffer) => {
          io.stdout.write(data);
          if (ended) lingerUntilQuiet();
        });
        socket.once('close', done);
        // Keys from a pipe rather than a person: once they are all sent, stay until the
        // console has been quiet for a moment, so that their output is seen.
        const lingerUntilQuiet = (): void => {
          clearTimeout(quiet);
          quiet = setTimeout(done, QUIET_MS);
        };
        stdin?.on('data', onKeys);
        stdin?.once('end', () => {
          ended = true;
          lingerUntilQuiet();
        });
        stdin?.resume();
      });
    } finally {
      setRaw?.(false);
    }
    await writeAll(io.stderr, `\ncartograph: left the serial console of ${target.id}\n`);
    return EXIT.ok;
  });
}
