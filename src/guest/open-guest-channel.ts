/** Picking one of the two ways into a guest by name. */
import { GuestError } from '../errors.js';
import { GuestAgent, type GuestAgentOptions } from './guest-agent.js';
import type { GuestChannel } from './guest-channel.js';
import { SerialShell, type SerialShellOptions } from './serial-shell.js';

/** The two ways into a running guest. */
export type GuestAccessKind = 'serial' | 'agent';

/** The sockets of a vm's two guest channels. */
export interface GuestChannelPaths {
  /** The serial console's socket. */
  serial: string;
  /** The guest agent's socket. */
  agent: string;
}

/** Options of {@link openGuestChannel}: those of both transports (each takes its own). */
export type OpenGuestChannelOptions = SerialShellOptions & GuestAgentOptions;

/**
 * Opens a serial shell (`serial`: logs in on the console) or a guest agent connection
 * (`agent`: synchronises with qemu-ga). `timeoutMs` is how long the guest may take to answer.
 */
export async function openGuestChannel(
  access: GuestAccessKind,
  paths: GuestChannelPaths,
  options: OpenGuestChannelOptions = {},
): Promise<GuestChannel> {
  switch (access) {
    case 'serial':
      return SerialShell.open(paths.serial, options);
    case 'agent':
      return GuestAgent.connect(paths.agent, options);
    default:
      throw new GuestError(
        'GUEST_BAD_ACCESS',
        `guest access ${JSON.stringify(access)} is neither serial nor agent`,
      );
  }
}
