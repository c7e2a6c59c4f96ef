import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  applyRuntimeNodeFlags,
  gatewayNodeFlags,
  runtimeSettableNodeFlags,
  semiSpaceMb,
} from './node-flags.js';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('the gateway Node flags', () => {
  it('are passed by every launcher of the gateway', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts
      .start;
    const entrypoint = /^ENTRYPOINT (.*)$/m.exec(read('Dockerfile'))?.[1] ?? '';
    const execStart = /^ExecStart=(.*)$/m.exec(read('deploy/systemd/switchyard.service'))?.[1];
    const deployment = parse(read('deploy/kubernetes/base/gateway/deployment.yaml')) as {
      spec: {
        template: {
          spec: {
            containers: Array<{
              command?: string[];
              env: Array<{ name: string; value?: string }>;
              resources: { limits: { memory: string } };
            }>;
          };
        };
      };
    };
    const container = deployment.spec.template.spec.containers[0]!;
    const nodeOptions = container.env.find((variable) => variable.name === 'NODE_OPTIONS')?.value;
    const imageEntrypoint = JSON.parse(entrypoint) as string[];
    // The Deployment runs the image's ENTRYPOINT (no `command` of its own) with NODE_OPTIONS added:
    // flags Node refuses in NODE_OPTIONS (--no-allocation-site-pretenuring) come from the image.
    assert.equal(container.command, undefined, 'the Deployment keeps the image ENTRYPOINT');
    const launchers = {
      'npm start': start.split(' '),
      'Dockerfile ENTRYPOINT': imageEntrypoint,
      'systemd ExecStart': (execStart ?? '').split(' '),
      'Kubernetes (ENTRYPOINT + NODE_OPTIONS)': [
        ...imageEntrypoint,
        ...(nodeOptions ?? '').split(' '),
      ],
    };
    for (const [launcher, args] of Object.entries(launchers)) {
      for (const flag of gatewayNodeFlags) {
        assert.ok(args.includes(flag), `${launcher} passes ${flag}: ${args.join(' ')}`);
      }
    }
    // The Deployment's V8 heap (old + 2 semi-spaces) stays under the container's memory limit.
    assert.equal(semiSpaceMb([], nodeOptions), 64);
    const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions ?? '')?.[1]);
    const limitMi = Number(/^(\d+)Gi$/.exec(container.resources.limits.memory)?.[1]) * 1024;
    // 128 MiB left for what is not V8's heap (code, buffers, the process itself).
    assert.ok(oldSpace + 2 * 64 <= limitMi - 128, `old ${oldSpace} + young 128 MiB in ${limitMi}`);
  });

  it('are flags Node accepts, and NODE_OPTIONS carries only what Node allows there', () => {
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, [...args, '-e', 'process.exit(0)'], {
        env: { ...process.env, NODE_OPTIONS: '', ...env },
        encoding: 'utf8',
      });
    const accepted = run([...gatewayNodeFlags]);
    assert.equal(accepted.status, 0, accepted.stderr);
    const deployment = read('deploy/kubernetes/base/gateway/deployment.yaml');
    const nodeOptions = /name: NODE_OPTIONS\s+value: (.*)/.exec(deployment)?.[1] ?? '';
    const inOptions = run([], { NODE_OPTIONS: nodeOptions });
    assert.equal(inOptions.status, 0, inOptions.stderr);
  });

  it('sets at run time the GC flags the command line lacks, and only those', () => {
    const set: string[] = [];
    assert.deepEqual(
      applyRuntimeNodeFlags(['--max-semi-space-size=64'], (flag) => set.push(flag)),
      ['--no-allocation-site-pretenuring', '--heap-growing-percent=100'],
    );
    assert.deepEqual(set, ['--no-allocation-site-pretenuring', '--heap-growing-percent=100']);
    set.length = 0;
    assert.deepEqual(
      applyRuntimeNodeFlags(
        ['--no_allocation_site_pretenuring', '--heap_growing_percent=100'],
        (flag) => set.push(flag),
      ),
      [],
    );
    assert.deepEqual(set, []);
    // A value (or a negation) of the operator's own is kept, not overridden.
    const kept: string[] = [];
    assert.deepEqual(
      applyRuntimeNodeFlags(
        ['--heap-growing-percent=50', '--allocation-site-pretenuring'],
        (flag) => kept.push(flag),
      ),
      [],
    );
    assert.equal(kept.length, 0);
    // Every one of them is a gateway flag, and V8 takes it after the start.
    for (const flag of runtimeSettableNodeFlags) assert.ok(gatewayNodeFlags.includes(flag));
    for (const flag of runtimeSettableNodeFlags) {
      const atRunTime = spawnSync(
        process.execPath,
        ['-e', `require('node:v8').setFlagsFromString(${JSON.stringify(flag)});`],
        { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
      );
      assert.equal(atRunTime.status, 0, atRunTime.stderr);
    }
  });

  it('reads the semi-space size from the flags, then NODE_OPTIONS, in either spelling', () => {
    assert.equal(semiSpaceMb(['--max-semi-space-size=64'], undefined), 64);
    assert.equal(semiSpaceMb(['--max_semi_space_size', '32'], undefined), 32);
    assert.equal(semiSpaceMb([], '--max-old-space-size=704 --max-semi-space-size=48'), 48);
    assert.equal(semiSpaceMb(['--max-semi-space-size=64'], '--max-semi-space-size=16'), 64);
    assert.equal(semiSpaceMb(['--inspect'], '--max-old-space-size=512'), undefined);
    assert.equal(semiSpaceMb(['--max-semi-space-size=lots'], undefined), undefined);
  });
});
