// No container engine runs here and no Dockerfile linter installs from the registries we reach
// (hadolint: no Debian package; its npm wrapper needs Node 21 and downloads a binary), so the
// Dockerfile is checked by parsing it: stages, non-root user, healthcheck, stop signal, no secrets,
// and every path it copies exists and is not excluded by .dockerignore.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { gatewayNodeFlags } from '../src/cli/node-flags.js';

const rootUrl = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, rootUrl), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function parseDockerfile(text: string): { args: Instruction[]; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    if (pending && line.startsWith('#')) return;
    if (!pending) startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const [keyword = '', ...rest] = full.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: startLine });
  });
  assert.equal(pending, '', 'no dangling line continuation');
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      assert.ok(match, `FROM on line ${instruction.line}`);
      stages.push({ image: match[1]!, name: match[2], instructions: [] });
    } else if (stages.length === 0) {
      assert.equal(
        instruction.keyword,
        'ARG',
        `only ARG before the first FROM (line ${instruction.line})`,
      );
      args.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** A minimal .dockerignore matcher: exact paths, directory prefixes, `**\/` and `*` globs. */
function isIgnored(path: string, patterns: string[]): boolean {
  let ignored = false;
  for (const rawPattern of patterns) {
    const negated = rawPattern.startsWith('!');
    const pattern = negated ? rawPattern.slice(1) : rawPattern;
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '\0')
      .replace(/\*/g, '[^/]*')
      .replaceAll('\0', '(?:.*/)?');
    if (new RegExp(`^${source}(?:/.*)?$`).test(path)) ignored = !negated;
  }
  return ignored;
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const ignorePatterns = read('.dockerignore')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const packageJson = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

describe('Dockerfile', () => {
  const finalStage = dockerfile.stages.at(-1)!;
  const finalOf = (keyword: string) =>
    finalStage.instructions.filter((instruction) => instruction.keyword === keyword);

  it('is multi-stage on Node 20 slim: npm ci and build in one stage, production deps in the last', (t) => {
    assert.ok(dockerfile.stages.length >= 2, 'at least a build and a runtime stage');
    const nodeImage = dockerfile.args
      .map((arg) => /^NODE_IMAGE=(\S+)$/.exec(arg.args)?.[1])
      .find(Boolean);
    for (const stage of dockerfile.stages) {
      const image = stage.image === '${NODE_IMAGE}' ? nodeImage : stage.image;
      assert.match(image ?? '', /^node:20[.\w-]*-slim$/, `stage ${stage.name}: node 20 slim`);
    }
    const build = dockerfile.stages.find((stage) =>
      stage.instructions.some((instruction) => /\bnpm ci\b/.test(instruction.args)),
    );
    assert.ok(build?.name, 'a named stage runs npm ci');
    const runs = build.instructions.filter((instruction) => instruction.keyword === 'RUN');
    assert.ok(
      runs.some((run) => run.args.includes('npm run build')),
      'builds',
    );
    assert.ok(
      runs.some((run) => /npm prune --omit=dev/.test(run.args)),
      'prunes dev deps',
    );
    assert.notEqual(finalStage, build, 'the runtime is a separate stage');
    const fromBuild = finalOf('COPY').filter((copy) => copy.args.includes(`--from=${build.name}`));
    const copied = fromBuild.map((copy) => copy.args.split(/\s+/).at(-2));
    for (const needed of ['/app/node_modules', '/app/dist', '/app/package.json']) {
      assert.ok(copied.includes(needed), `runtime copies ${needed} from the build stage`);
    }
    assert.ok(
      !finalStage.instructions.some((instruction) => /\bnpm (ci|install)\b/.test(instruction.args)),
      'no dependency install in the runtime stage',
    );
    t.diagnostic(
      `${dockerfile.stages.length} stages: ${dockerfile.stages.map((stage) => `${stage.name ?? '?'} (${stage.image})`).join(', ')}`,
    );
  });

  it('runs as a non-root user, with a healthcheck on /healthz and SIGTERM to stop', () => {
    const user = finalOf('USER').at(-1)?.args;
    assert.ok(user, 'USER in the runtime stage');
    assert.ok(!/^(root|0)(:|$)/.test(user), `USER ${user} is not root`);
    const healthcheck = finalOf('HEALTHCHECK').at(-1)?.args ?? '';
    assert.match(healthcheck, /\/healthz/);
    assert.match(healthcheck, /127\.0\.0\.1:4000/, 'probes server.port default');
    assert.equal(finalOf('STOPSIGNAL').at(-1)?.args, 'SIGTERM');
    assert.ok(finalOf('EXPOSE').some((expose) => expose.args.split(/\s+/).includes('4000')));
  });

  it('starts the compiled CLI (package.json bin), listening on all interfaces', () => {
    const entrypoint = JSON.parse(finalOf('ENTRYPOINT').at(-1)?.args ?? '[]') as string[];
    const command = JSON.parse(finalOf('CMD').at(-1)?.args ?? '[]') as string[];
    // node, the gateway's V8 flags (src/cli/node-flags.ts), the CLI.
    assert.deepEqual(entrypoint, [
      'node',
      ...gatewayNodeFlags,
      `/app/${packageJson.bin.switchyard}`,
    ]);
    assert.deepEqual(command.slice(0, 1), ['serve']);
    assert.equal(command[command.indexOf('--host') + 1], '0.0.0.0');
    assert.match(packageJson.scripts.build ?? '', /tsconfig\.build\.json/);
    const buildConfig = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    // What the build compiles and the runtime imports (src imports the emulator for demo mode).
    for (const folder of ['src', 'emulator']) assert.ok(buildConfig.include.includes(folder));
  });

  it('copies only files that exist and are not excluded by .dockerignore', () => {
    for (const stage of dockerfile.stages) {
      for (const copy of stage.instructions.filter(
        (instruction) => instruction.keyword === 'COPY',
      )) {
        if (copy.args.includes('--from=')) continue;
        const sources = copy.args
          .split(/\s+/)
          .filter((part) => !part.startsWith('--'))
          .slice(0, -1);
        for (const source of sources) {
          assert.ok(existsSync(fileURLToPath(new URL(source, rootUrl))), `${source} exists`);
          assert.ok(!isIgnored(source, ignorePatterns), `${source} is not in .dockerignore`);
        }
      }
    }
    for (const kept of ['node_modules', 'dist', '.git', '.env', '.switchyard', 'test']) {
      assert.ok(isIgnored(kept, ignorePatterns), `.dockerignore excludes ${kept}`);
    }
    assert.ok(isIgnored('src/providers/openai/__fixtures__/a.sse', ignorePatterns));
    assert.ok(!isIgnored('src/main.ts', ignorePatterns));
  });

  it('holds no secrets: no credential-like ENV or ARG with a value', () => {
    const all = [...dockerfile.args, ...dockerfile.stages.flatMap((stage) => stage.instructions)];
    for (const instruction of all.filter(
      (item) => item.keyword === 'ENV' || item.keyword === 'ARG',
    )) {
      for (const pair of instruction.args.split(/\s+/)) {
        const [name = '', value] = pair.split('=');
        if (/(KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL)/i.test(name)) {
          assert.ok(
            value === undefined || value === '',
            `line ${instruction.line}: ${name} has a value`,
          );
        }
      }
    }
    assert.doesNotMatch(read('Dockerfile'), /sk-[A-Za-z0-9]{16,}|AKIA[0-9A-Z]{16}/);
  });
});
