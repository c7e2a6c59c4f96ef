import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { gatewayNodeFlags, semiSpaceMb } from './node-flags.js';

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
              env: Array<{ name: string; value?: string }>;
              resources: { limits: { memory: string } };
            }>;
          };
        };
      };
    };
    const container = deployment.spec.template.spec.containers[0]!;
    const nodeOptions = container.env.find((variable) => variable.name === 'NODE_OPTIONS')?.value;
    const launchers = {
      'npm start': start.split(' '),
      'Dockerfile ENTRYPOINT': JSON.parse(entrypoint) as string[],
      'systemd ExecStart': (execStart ?? '').split(' '),
      'Kubernetes NODE_OPTIONS': (nodeOptions ?? '').split(' '),
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

  it('reads the semi-space size from the flags, then NODE_OPTIONS, in either spelling', () => {
    assert.equal(semiSpaceMb(['--max-semi-space-size=64'], undefined), 64);
    assert.equal(semiSpaceMb(['--max_semi_space_size', '32'], undefined), 32);
    assert.equal(semiSpaceMb([], '--max-old-space-size=704 --max-semi-space-size=48'), 48);
    assert.equal(semiSpaceMb(['--max-semi-space-size=64'], '--max-semi-space-size=16'), 64);
    assert.equal(semiSpaceMb(['--inspect'], '--max-old-space-size=512'), undefined);
    assert.equal(semiSpaceMb(['--max-semi-space-size=lots'], undefined), undefined);
  });
});
