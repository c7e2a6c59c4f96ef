import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError, type Deployment } from '../core/index.js';
import { applyResidency } from './apply-residency.js';

const timeouts = { connectMs: 1, firstByteMs: 1, idleMs: 1, totalMs: 1 };
const deployment = (id: string, region?: string): Deployment => ({
  id,
  provider: id,
  model: 'm',
  timeouts,
  ...(region !== undefined ? { region } : {}),
});
const chain = [
  deployment('us-1', 'us'),
  deployment('eu-1', 'eu'),
  deployment('any'),
  deployment('eu-2', 'eu'),
];
const ids = (deployments: Deployment[]) => deployments.map((each) => each.id);

describe('applyResidency', () => {
  it('leaves the chain alone when off or when the request has no region', () => {
    assert.deepEqual(
      ids(applyResidency({ alias: 'a', deployments: chain, region: 'eu', policy: 'off' })),
      ids(chain),
    );
    assert.deepEqual(
      ids(applyResidency({ alias: 'a', deployments: chain, region: undefined, policy: 'strict' })),
      ids(chain),
    );
  });

  it('strict keeps only the region, in order', () => {
    assert.deepEqual(
      ids(applyResidency({ alias: 'a', deployments: chain, region: 'eu', policy: 'strict' })),
      ['eu-1', 'eu-2'],
    );
  });

  it('strict with nothing in the region refuses with residency_unavailable', () => {
    assert.throws(
      () => applyResidency({ alias: 'a', deployments: chain, region: 'ap', policy: 'strict' }),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.code === 'residency_unavailable' &&
        /region 'ap'/.test(error.message) &&
        /us, eu, none/.test(error.message),
    );
  });

  it('prefer puts the region first and keeps the rest as fallbacks', () => {
    assert.deepEqual(
      ids(applyResidency({ alias: 'a', deployments: chain, region: 'eu', policy: 'prefer' })),
      ['eu-1', 'eu-2', 'us-1', 'any'],
    );
  });
});
