// Renders every kustomization under deploy/kubernetes (kubectl's built-in kustomize), validates each
// object against the Kubernetes and KEDA schemas (kubernetes-models), loads each gateway config in
// a ConfigMap with the real config loader (with exactly the environment its Deployment sets), and
// checks what the manifests promise: probes, drain time, warm pool, in-flight autoscaling on metric
// names the gateway and vLLM really expose, residency per region.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { startEmulator } from '../emulator/index.js';
import type { SwitchyardConfig } from '../src/config/config-schema.js';
import { loadConfigFile } from '../src/config/load-config.js';
import { createMetrics } from '../src/telemetry/create-metrics.js';

const root = fileURLToPath(new URL('../deploy/kubernetes/', import.meta.url));

/** Every kustomization a user may apply (components are checked through the overlays using them). */
const targets = [
  'base',
  'base/gateway',
  'base/vllm',
  'overlays/production',
  'overlays/trial',
  'overlays/prometheus-adapter',
  'overlays/scale-to-zero',
  'overlays/multi-region/us',
  'overlays/multi-region/eu',
  'overlays/multi-region/apac',
] as const;

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [key: string]: unknown;
}

interface Validatable {
  validate(): void;
}

const models: Record<string, new (data: never) => Validatable> = {
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

// Kubernetes API shapes read below (only the fields the checks use).
interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: Array<{ name: string; configMap?: { name: string } }>;
}
interface Workload extends KubeObject {
  spec: { replicas?: number; serviceName?: string; template: { spec: PodSpec } };
}
interface Trigger {
  type: string;
  metadata: Record<string, string>;
}
interface ScaledObjectSpec {
  scaleTargetRef: { kind?: string; name: string };
  minReplicaCount?: number;
  maxReplicaCount?: number;
  triggers: Trigger[];
}
interface HpaSpec {
  scaleTargetRef: { kind: string; name: string };
  minReplicas?: number;
  maxReplicas: number;
  metrics: Array<{
    type: string;
    pods?: { metric: { name: string }; target: { averageValue: string } };
    external?: {
      metric: { name: string; selector?: { matchLabels?: Record<string, string> } };
      target: { averageValue: string };
    };
  }>;
}

interface Rendered {
  target: string;
  objects: KubeObject[];
}

function render(target: string): Rendered {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', join(root, target)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(
        'kubectl is not installed: it renders the kustomizations (kubectl kustomize)',
      );
    }
    throw new Error(`kustomize failed for ${target}: ${failure.stderr ?? failure.message}`);
  }
  const objects = parseAllDocuments(output).map((document) => {
    assert.equal(document.errors.length, 0, `${target}: ${String(document.errors[0])}`);
    const object = document.toJS() as KubeObject & { data?: Record<string, string> };
    // kustomize wraps a generated Secret's base64 at 70 columns; the API server's (Go) base64
    // decoder skips the newlines, the schema's "byte" format does not.
    if (object.kind === 'Secret' && object.data) {
      for (const [key, value] of Object.entries(object.data))
        object.data[key] = value.replace(/\s+/g, '');
    }
    return object;
  });
  return { target, objects };
}

const find = <T extends KubeObject = KubeObject>(
  rendered: Rendered,
  kind: string,
  name: string,
): T | undefined =>
  rendered.objects.find((object) => object.kind === kind && object.metadata.name === name) as
    T | undefined;

const flagValue = (args: string[], flag: string): string | undefined => {
  const index = args.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`));
  if (index < 0) return undefined;
  const arg = args[index]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1];
};

/** Metric names a PromQL query selects (`name{…}` or `name[…]`), templates excluded. */
function selectedMetrics(query: string): string[] {
  return [...query.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((match) => match[1]!);
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  const rendered = new Map<string, Rendered>();
  const configs = new Map<string, SwitchyardConfig>();
  let scratch: string;
  /** Metric names the gateway registers and a vLLM server (the emulator's vllm kind) exposes. */
  const knownMetrics = new Map<string, Set<string>>();

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'switchyard-manifests-'));
    for (const target of targets) rendered.set(target, render(target));
    const metrics = createMetrics({ inFlightRequests: () => 0 });
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      knownMetrics.set(
        metric.name,
        new Set(
          Object.keys((metric as { values?: Array<{ labels: object }> }).values?.[0]?.labels ?? {}),
        ),
      );
    }
    // Label names of the gateway's metrics come from their definitions (values may be empty).
    for (const name of ['switchyard_deployment_inflight_requests'])
      knownMetrics.set(name, new Set(['deployment', 'provider']));
    knownMetrics.set(
      'switchyard_requests_total',
      new Set(['model', 'provider', 'status', 'cache']),
    );
    const vllm = await startEmulator({ kind: 'vllm' });
    try {
      const text = await (await fetch(`${vllm.url}/metrics`)).text();
      for (const match of text.matchAll(/^# TYPE (\S+)/gm)) {
        knownMetrics.set(match[1]!, new Set(['model_name', 'engine']));
      }
    } finally {
      await vllm.close();
    }
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('renders every kustomization and every object passes its Kubernetes / KEDA schema', (t) => {
    for (const target of targets) {
      const { objects } = rendered.get(target)!;
      assert.ok(objects.length > 0, `${target} renders objects`);
      for (const object of objects) {
        const key = `${object.apiVersion}/${object.kind}`;
        const Model = models[key];
        assert.ok(Model, `${target}: no schema for ${key} (${object.metadata.name})`);
        try {
          new Model(object as never).validate();
        } catch (error) {
          assert.fail(`${target}: ${key} ${object.metadata.name}: ${(error as Error).message}`);
        }
      }
      const kinds = new Map<string, number>();
      for (const object of objects) kinds.set(object.kind, (kinds.get(object.kind) ?? 0) + 1);
      t.diagnostic(
        `${target}: ${objects.length} objects valid (${[...kinds].map(([kind, count]) => `${count} ${kind}`).join(', ')})`,
      );
    }
  });

  it('a broken manifest fails the schema check', () => {
    const { objects } = rendered.get('overlays/production')!;
    const deployment = structuredClone(
      find<Workload>({ target: '', objects }, 'Deployment', 'switchyard')!,
    );
    (
      deployment.spec.template.spec.containers[0]!.ports![0] as { containerPort: unknown }
    ).containerPort = 'four thousand';
    assert.throws(() => new Deployment(deployment as never).validate(), /containerPort/);
    const scaled = structuredClone(
      find<KubeObject & { spec: Record<string, unknown> }>(
        { target: '', objects },
        'ScaledObject',
        'vllm',
      )!,
    );
    scaled.spec.minReplicaCount = 'one';
    assert.throws(() => new ScaledObject(scaled as never).validate(), /minReplicaCount/);
  });

  it('each gateway config in a ConfigMap passes the real config loader with its Deployment env', async (t) => {
    for (const target of targets) {
      const result = rendered.get(target)!;
      const deployment = find<Workload>(result, 'Deployment', 'switchyard');
      if (!deployment) continue;
      const pod = deployment.spec.template.spec;
      const container = pod.containers.find((candidate) => candidate.name === 'gateway')!;
      const configVolume = pod.volumes?.find((volume) => volume.name === 'config');
      const configMap = find<KubeObject & { data: Record<string, string> }>(
        result,
        'ConfigMap',
        configVolume?.configMap?.name ?? '(none)',
      );
      assert.ok(configMap, `${target}: the Deployment's config volume names a rendered ConfigMap`);
      const mount = container.volumeMounts?.find((volume) => volume.name === 'config');
      const env = Object.fromEntries(
        (container.env ?? []).map((variable) => [
          variable.name,
          variable.value ?? `placeholder-for-${variable.name}-0123456789`,
        ]),
      );
      assert.equal(env.SWITCHYARD_CONFIG, `${mount?.mountPath}/switchyard.yaml`);
      const file = join(scratch, `${target.replaceAll('/', '-')}.yaml`);
      await writeFile(file, configMap.data['switchyard.yaml'] ?? '');
      // Throws ConfigError naming each bad key, or each ${VAR} the Deployment does not set.
      const config = await loadConfigFile(file, env);
      configs.set(target, config);
      // Every secret the gateway reads is either rendered with that key or created outside git.
      for (const variable of container.env ?? []) {
        const reference = variable.valueFrom?.secretKeyRef;
        const secret =
          reference &&
          find<KubeObject & { data?: Record<string, string> }>(result, 'Secret', reference.name);
        if (secret)
          assert.ok(
            secret.data?.[reference.key],
            `${target}: ${reference.name} has ${reference.key}`,
          );
      }
      t.diagnostic(
        `${target}: config loads (${Object.keys(config.providers).length} providers, aliases ${Object.keys(config.models).join(', ')}, residency ${config.routing.residency})`,
      );
    }
    assert.ok(configs.size >= 7);
  });

  it('gateway pods: probes, drain time, non-root, resources, disruption budget', (t) => {
    for (const [target, config] of configs) {
      const result = rendered.get(target)!;
      const deployment = find<Workload>(result, 'Deployment', 'switchyard')!;
      const pod = deployment.spec.template.spec;
      const container = pod.containers.find((candidate) => candidate.name === 'gateway')!;
      assert.equal(container.readinessProbe?.httpGet?.path, '/readyz', target);
      assert.equal(container.livenessProbe?.httpGet?.path, '/healthz', target);
      const port = container.ports?.find((candidate) => candidate.name === 'http')?.containerPort;
      assert.equal(port, config.server.port, `${target}: containerPort = server.port`);
      assert.equal(config.server.host, '0.0.0.0', `${target}: listens on the pod's address`);
      const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
      assert.equal(preStop[0], 'sleep', `${target}: preStop sleeps`);
      const preStopSeconds = Number(preStop[1]);
      const graceMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
      assert.ok(
        graceMs >= preStopSeconds * 1000 + config.server.drainTimeoutMs,
        `${target}: grace ${graceMs} ms >= preStop ${preStopSeconds} s + drain ${config.server.drainTimeoutMs} ms`,
      );
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.notEqual(pod.securityContext?.runAsUser, 0);
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
      assert.ok(container.resources?.requests?.cpu && container.resources.requests.memory);
      assert.ok(container.resources?.limits?.memory);
      // Writable paths of a read-only root filesystem: the trace spool lives on a volume.
      if (container.securityContext?.readOnlyRootFilesystem) {
        const mounts = (container.volumeMounts ?? []).map((volume) => volume.mountPath);
        assert.ok(
          mounts.some((path) => config.traces.spoolDir.startsWith(`${path}/`)),
          `${target}: traces.spoolDir ${config.traces.spoolDir} is on a mounted volume`,
        );
      }
      const budget = find<KubeObject & { spec: { maxUnavailable?: number } }>(
        result,
        'PodDisruptionBudget',
        'switchyard',
      );
      assert.ok(budget, `${target}: gateway PodDisruptionBudget`);
      t.diagnostic(
        `${target}: grace ${graceMs / 1000} s >= preStop ${preStopSeconds} s + drain ${config.server.drainTimeoutMs / 1000} s`,
      );
    }
  });

  it('vLLM pool: prefix caching, LoRA, capacity flags, GPU, cold-start probe, replicas in the gateway config', (t) => {
    for (const [target, config] of configs) {
      const result = rendered.get(target)!;
      const vllm = find<Workload>(result, 'StatefulSet', 'vllm');
      if (!vllm) {
        // base/gateway is the gateway half of base (used with base/vllm); a region without a pool
        // (apac) must not name one.
        if (target !== 'base/gateway') {
          assert.equal(config.providers.vllm, undefined, `${target}: no pool, no vllm provider`);
        }
        continue;
      }
      const container = vllm.spec.template.spec.containers[0]!;
      const args = container.args ?? [];
      for (const flag of ['--enable-prefix-caching', '--enable-lora'])
        assert.ok(args.includes(flag), `${target}: ${flag}`);
      const maxNumSeqs = Number(flagValue(args, '--max-num-seqs'));
      assert.ok(maxNumSeqs > 0, `${target}: --max-num-seqs`);
      const utilisation = Number(flagValue(args, '--gpu-memory-utilization'));
      assert.ok(utilisation > 0 && utilisation <= 1, `${target}: --gpu-memory-utilization`);
      const loraModules = flagValue(args, '--lora-modules') ?? '';
      const adapters = loraModules.split(/\s+/).map((module) => module.split('=')[0]!);
      assert.equal(container.resources?.limits?.['nvidia.com/gpu'], '1');
      const startup = container.startupProbe!;
      const budgetSeconds = (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3);
      assert.ok(
        budgetSeconds >= 60,
        `${target}: startup probe allows ${budgetSeconds} s >= 60 s cold start`,
      );
      // The gateway's pool names the StatefulSet's pods through the headless Service.
      const service = find<KubeObject & { spec: { clusterIP?: string } }>(
        result,
        'Service',
        vllm.spec.serviceName ?? '',
      );
      assert.equal(
        service?.spec.clusterIP,
        'None',
        `${target}: headless Service for pod DNS names`,
      );
      const port = container.ports?.[0]?.containerPort;
      const replicas = config.providers.vllm?.replicas ?? [];
      replicas.forEach((url, ordinal) =>
        assert.equal(url, `http://vllm-${ordinal}.${vllm.spec.serviceName}:${port}/v1`, target),
      );
      // Every alias on the pool names the base model or a LoRA adapter the server loads.
      const baseModel = args[0];
      for (const [alias, deployments] of Object.entries(config.models)) {
        for (const deployment of deployments.filter((candidate) => candidate.provider === 'vllm')) {
          assert.ok(
            deployment.model === baseModel || adapters.includes(deployment.model),
            `${target}: ${alias} → ${deployment.model} is served by vLLM`,
          );
        }
      }
      // The autoscaler never asks for more replicas than the gateway knows, nor fewer than warm.
      const scaled = find<KubeObject & { spec: ScaledObjectSpec }>(result, 'ScaledObject', 'vllm');
      const hpa = find<KubeObject & { spec: HpaSpec }>(result, 'HorizontalPodAutoscaler', 'vllm');
      const max = scaled?.spec.maxReplicaCount ?? hpa?.spec.maxReplicas;
      const min = scaled?.spec.minReplicaCount ?? hpa?.spec.minReplicas ?? vllm.spec.replicas;
      if (max !== undefined)
        assert.ok(
          replicas.length >= max,
          `${target}: ${replicas.length} replica URLs >= max ${max}`,
        );
      if (target === 'overlays/scale-to-zero')
        assert.equal(min, 0, 'scale-to-zero: minReplicaCount 0');
      else assert.ok((min ?? 0) >= 1, `${target}: warm pool (min ${min})`);
      // In-flight targets per replica stay below the replica's concurrency.
      const targets = [
        ...(scaled?.spec.triggers ?? [])
          .filter(
            (trigger) => trigger.type === 'prometheus' && !trigger.metadata.activationThreshold,
          )
          .map((trigger) => Number(trigger.metadata.threshold)),
        ...(hpa?.spec.metrics ?? []).map((metric) =>
          Number((metric.pods ?? metric.external)?.target.averageValue),
        ),
      ];
      for (const value of targets)
        assert.ok(
          value > 0 && value < maxNumSeqs,
          `${target}: target ${value} < --max-num-seqs ${maxNumSeqs}`,
        );
      t.diagnostic(
        `${target}: vLLM --max-num-seqs ${maxNumSeqs}, adapters ${adapters.join(',')}, startup budget ${budgetSeconds} s, replicas ${min}..${max ?? 'fixed'} of ${replicas.length} URLs, in-flight target ${targets.join('/') || 'none'}`,
      );
    }
  });

  it('autoscalers query metric names (and labels) that the gateway and vLLM really expose', async (t) => {
    const queries: Array<{ where: string; query: string }> = [];
    for (const [target, result] of rendered) {
      for (const object of result.objects.filter(
        (candidate) => candidate.kind === 'ScaledObject',
      )) {
        const spec = (object as KubeObject & { spec: ScaledObjectSpec }).spec;
        const names = spec.triggers.map((trigger) => trigger.type);
        assert.ok(
          spec.triggers.some((trigger) => trigger.type === 'prometheus'),
          `${target}: ${object.metadata.name} scales on Prometheus (${names.join(', ')})`,
        );
        for (const trigger of spec.triggers.filter(
          (candidate) => candidate.type === 'prometheus',
        )) {
          queries.push({
            where: `${target} ScaledObject/${object.metadata.name}`,
            query: trigger.metadata.query ?? '',
          });
        }
      }
    }
    const adapter = parse(await readFile(join(root, 'prometheus-adapter/values.yaml'), 'utf8')) as {
      rules: {
        custom: Array<{ seriesQuery: string; metricsQuery: string; name: { as: string } }>;
        external: Array<{ seriesQuery: string; metricsQuery: string; name: { as: string } }>;
      };
    };
    for (const rule of [...adapter.rules.custom, ...adapter.rules.external]) {
      queries.push({
        where: `prometheus-adapter ${rule.name.as}`,
        query: `${rule.seriesQuery} ${rule.metricsQuery}`,
      });
    }
    for (const { where, query } of queries) {
      const selected = selectedMetrics(query);
      assert.ok(selected.length > 0, `${where}: selects a metric`);
      for (const name of selected) {
        const labels = knownMetrics.get(name);
        assert.ok(labels, `${where}: ${name} is not a metric the gateway or vLLM exposes`);
        for (const match of query.matchAll(
          new RegExp(`${name.replaceAll(':', '\\:')}\\{([^}]*)\\}`, 'g'),
        )) {
          for (const label of [...match[1]!.matchAll(/([a-zA-Z_]+)\s*(?:=~|!=|=)/g)].map(
            (found) => found[1]!,
          )) {
            // namespace and pod are added by the Prometheus scrape job.
            if (label === 'namespace' || label === 'pod') continue;
            assert.ok(labels.has(label), `${where}: ${name} has no label ${label}`);
          }
        }
      }
    }
    // The HPAs ask the adapter for metric names its rules serve.
    const served = new Set(
      [...adapter.rules.custom, ...adapter.rules.external].map((rule) => rule.name.as),
    );
    for (const [target, result] of rendered) {
      for (const object of result.objects.filter(
        (candidate) => candidate.kind === 'HorizontalPodAutoscaler',
      )) {
        for (const metric of (object as KubeObject & { spec: HpaSpec }).spec.metrics) {
          const name = (metric.pods ?? metric.external)?.metric.name;
          if (name)
            assert.ok(
              served.has(name),
              `${target}: HPA ${object.metadata.name} reads ${name}, served by the adapter`,
            );
        }
      }
    }
    // The scale-to-zero wake-up query names aliases that exist on the pool.
    const wake = find<KubeObject & { spec: ScaledObjectSpec }>(
      rendered.get('overlays/scale-to-zero')!,
      'ScaledObject',
      'vllm',
    )!;
    const demand = wake.spec.triggers.find(
      (trigger) => trigger.metadata.activationThreshold !== undefined,
    );
    assert.ok(demand, 'scale-to-zero has an activation trigger');
    const aliases = /model=~"([^"]+)"/.exec(demand.metadata.query ?? '')?.[1]?.split('|') ?? [];
    const config = configs.get('overlays/scale-to-zero')!;
    for (const alias of aliases) {
      assert.ok(
        config.models[alias]?.some((deployment) => deployment.provider === 'vllm'),
        `alias ${alias} uses the pool`,
      );
    }
    t.diagnostic(
      `${queries.length} Prometheus queries checked against ${knownMetrics.size} known metric names`,
    );
  });

  it('regions: each region serves only from its own region, strict residency; APAC has no GPU pool', (t) => {
    for (const region of ['us', 'eu', 'apac']) {
      const target = `overlays/multi-region/${region}`;
      const config = configs.get(target)!;
      assert.equal(config.routing.residency, 'strict', target);
      for (const [alias, deployments] of Object.entries(config.models)) {
        for (const deployment of deployments) {
          const provider = config.providers[deployment.provider]!;
          // The catalog's rule: a deployment's region, else its provider's (for bedrock that key
          // is the AWS region, so bedrock deployments name their residency region themselves).
          const residency =
            deployment.region ?? (provider.type === 'bedrock' ? undefined : provider.region);
          assert.equal(
            residency,
            region,
            `${target}: ${alias} → ${deployment.provider}/${deployment.model}`,
          );
        }
      }
      const result = rendered.get(target)!;
      const gpuRequests = result.objects.filter((object) =>
        JSON.stringify(object).includes('nvidia.com/gpu'),
      );
      if (region === 'apac') {
        assert.equal(gpuRequests.length, 0, 'apac: no GPU workload');
        assert.equal(find(result, 'ScaledObject', 'vllm'), undefined);
      } else {
        assert.ok(find(result, 'StatefulSet', 'vllm'), `${region}: vLLM pool`);
      }
      t.diagnostic(
        `${region}: ${Object.values(config.models).flat().length} deployments, all in ${region}; vLLM ${region === 'apac' ? 'none' : 'yes'}`,
      );
    }
  });
});
