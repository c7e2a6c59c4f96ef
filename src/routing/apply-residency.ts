// Residency: `strict` keeps only deployments in the request's region (fallbacks included) and fails
// with residency_unavailable when none is left, never a silent cross-region call; `prefer` puts
// in-region deployments first; `off` leaves the chain as it is.

import { GatewayError, type Deployment } from '../core/index.js';

export type ResidencyPolicy = 'off' | 'prefer' | 'strict';

export function applyResidency(options: {
  alias: string;
  deployments: Deployment[];
  region: string | undefined;
  policy: ResidencyPolicy;
}): Deployment[] {
  const { alias, deployments, region, policy } = options;
  if (region === undefined || policy === 'off') return deployments;
  const inRegion = deployments.filter((deployment) => deployment.region === region);
  if (policy === 'prefer') {
    if (inRegion.length === 0 || inRegion.length === deployments.length) return deployments;
    return [...inRegion, ...deployments.filter((deployment) => deployment.region !== region)];
  }
  if (inRegion.length === 0) {
    const elsewhere = [...new Set(deployments.map((deployment) => deployment.region ?? 'none'))];
    throw new GatewayError(
      'residency_unavailable',
      `Residency is strict and no deployment of '${alias}' is in region '${region}' (its deployments are in: ${elsewhere.join(', ')}). The request was not sent anywhere.`,
      { details: { region, alias }, headers: { 'x-should-retry': 'false' } },
    );
  }
  return inRegion;
}
