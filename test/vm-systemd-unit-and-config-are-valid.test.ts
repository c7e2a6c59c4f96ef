// The one-VM deployment (deploy/systemd): the config loads with the real loader under the variables
// the example environment file defines, and the unit runs the compiled CLI, stops with SIGTERM and
// waits at least the drain timeout; `systemd-analyze verify` finds nothing to say about it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadConfigFile } from '../src/config/load-config.js';
import { gatewayNodeFlags } from '../src/cli/node-flags.js';

const folder = fileURLToPath(new URL('../deploy/systemd/', import.meta.url));

/** `Key=value` lines of the [Service] section (repeated keys keep every value). */
function serviceSettings(unit: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const line of unit.split('\n').map((text) => text.trim())) {
    if (line.startsWith('#') || line === '') continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const index = line.indexOf('=');
    const key = line.slice(0, index);
    settings.set(key, [...(settings.get(key) ?? []), line.slice(index + 1)]);
  }
  return settings;
}

describe('one VM with systemd (deploy/systemd)', () => {
  it('the VM config loads with the variables of the example environment file', async (t) => {
    const envText = await readFile(join(folder, 'switchyard.env.example'), 'utf8');
    const env = Object.fromEntries(
      envText
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => {
          const [name = '', ...value] = line.split('=');
          // Empty in the example (to be filled in): any non-empty value of the right shape.
          return [name, value.join('=') || `placeholder-${name.toLowerCase()}-0123456789`];
        }),
    );
    const config = await loadConfigFile(join(folder, 'switchyard.yaml'), env);
    const unit = serviceSettings(await readFile(join(folder, 'switchyard.service'), 'utf8'));
    const stopSeconds = Number(unit.get('TimeoutStopSec')?.[0]);
    assert.ok(stopSeconds * 1000 >= config.server.drainTimeoutMs + 5_000, 'stop timeout > drain');
    assert.equal(unit.get('KillSignal')?.[0], 'SIGTERM');
    assert.ok(config.redis.url && config.database.url, 'shared Redis and PostgreSQL');
    t.diagnostic(
      `VM config: ${Object.keys(config.models).length} aliases, drain ${config.server.drainTimeoutMs / 1000} s, stop timeout ${stopSeconds} s`,
    );
  });

  it('the unit runs the compiled CLI as an unprivileged user', async () => {
    const unit = serviceSettings(await readFile(join(folder, 'switchyard.service'), 'utf8'));
    const packageJson = JSON.parse(
      await readFile(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { bin: Record<string, string> };
    const main = `/opt/switchyard/${packageJson.bin.switchyard}`;
    assert.equal(
      unit.get('ExecStart')?.[0],
      `/usr/bin/node ${gatewayNodeFlags.join(' ')} ${main} serve`,
    );
    assert.match(unit.get('ExecStartPre')?.[0] ?? '', new RegExp(`${main} check-config --config `));
    assert.equal(
      unit.get('Environment')?.find((value) => value.startsWith('SWITCHYARD_CONFIG=')),
      'SWITCHYARD_CONFIG=/etc/switchyard/switchyard.yaml',
    );
    assert.ok(!['root', '0'].includes(unit.get('User')?.[0] ?? 'root'));
    assert.equal(unit.get('WorkingDirectory')?.[0], '/var/lib/switchyard');
    assert.deepEqual(unit.get('ReadWritePaths'), ['/var/lib/switchyard']);
  });

  it('systemd-analyze verify reports no problem in the unit', async (t) => {
    if (!existsSync('/usr/bin/systemd-analyze') || !existsSync('/usr/bin/node')) {
      t.skip('systemd-analyze or /usr/bin/node is not on this machine');
      return;
    }
    const directory = await mkdtemp(join(tmpdir(), 'switchyard-unit-'));
    try {
      const unit = (await readFile(join(folder, 'switchyard.service'), 'utf8')).replace(
        // The environment file and the install path exist only on the VM.
        /^EnvironmentFile=.*$/m,
        'EnvironmentFile=-/etc/switchyard/switchyard.env',
      );
      const file = join(directory, 'switchyard.service');
      await writeFile(file, unit);
      const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      const problems = `${result.stdout}${result.stderr}`
        .split('\n')
        .filter((line) => line.includes('switchyard.service') && !line.includes('/opt/switchyard'));
      assert.deepEqual(problems, []);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
