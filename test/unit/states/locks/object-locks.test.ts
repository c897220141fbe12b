import { describe, expect, it } from 'vitest';
import { StateLocks } from '../../../../src/states/index.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('in-process state locks', () => {
  it('lets one holder of a key in at a time, in arrival order', async () => {
    const locks = new StateLocks();
    const order: string[] = [];
    const job = (name: string, keys: string[]) =>
      locks.with(keys, async () => {
        order.push(`${name}+`);
        await tick();
        await tick();
        order.push(`${name}-`);
      });
    await Promise.all([job('a', ['image:x']), job('b', ['image:x']), job('c', ['image:y'])]);
    expect(order.indexOf('a-')).toBeLessThan(order.indexOf('b+'));
    // A different key does not wait.
    expect(order.indexOf('c+')).toBeLessThan(order.indexOf('a-'));
    expect(locks.isHeld('image:x')).toBe(false);
  });

  it('takes overlapping key sets in sorted order, so they cannot deadlock', async () => {
    const locks = new StateLocks();
    let inside = 0;
    let most = 0;
    const job = (keys: string[]) =>
      locks.with(keys, async () => {
        inside++;
        most = Math.max(most, inside);
        await tick();
        inside--;
      });
    await Promise.all([job(['b', 'a']), job(['a', 'b']), job(['b', 'a', 'a'])]);
    expect(most).toBe(1);
  });

  it('releases on failure and only once', async () => {
    const locks = new StateLocks();
    await expect(locks.with(['k'], () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(locks.isHeld('k')).toBe(false);
    const release = await locks.acquire(['k']);
    release();
    release();
    expect(locks.isHeld('k')).toBe(false);
    const again = await locks.acquire(['k']);
    expect(locks.isHeld('k')).toBe(true);
    again();
  });
});
