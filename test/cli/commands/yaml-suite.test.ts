import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';

const repo = join(import.meta.dirname, '..', '..', '..');

describe('the YAML twin of the bundled suite', () => {
  it('gives the same nodes, objects and states as the .cfg suite', async () => {
    const cfg = await runCli(['list', '--json'], repo);
    const yaml = await runCli(
      [
        'list',
        '--json',
        '--objects',
        'configs/yaml/objects.yaml',
        '--nodes',
        'configs/yaml/nodes.yaml',
      ],
      repo,
    );
    expect(cfg.code).toBe(0);
    expect(yaml.code).toBe(0);
    expect(JSON.parse(yaml.stdout)).toEqual(JSON.parse(cfg.stdout));
  });
});
