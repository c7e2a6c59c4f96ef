// `switchyard keys create|list|revoke`: manages virtual keys through a running gateway's admin API
// (so the gateway that holds the key database, even an embedded PGlite one, does every write).

import type { Command } from 'commander';
import type { CliEnvironment } from './serve-command.js';

interface KeyView {
  id: string;
  prefix: string;
  name?: string;
  user?: string;
  team?: string;
  tier?: string;
  models?: string[];
  region?: string;
  dailyUsd?: number;
  createdAt?: string;
  revokedAt?: string;
  secret?: string;
}

interface AdminOptions {
  url?: string;
  adminKey?: string;
  json?: boolean;
}

function adminTarget(options: AdminOptions, environment: CliEnvironment) {
  const url = (options.url ?? environment.env.SWITCHYARD_URL ?? 'http://127.0.0.1:4000').replace(
    /\/+$/,
    '',
  );
  const adminKey = options.adminKey ?? environment.env.SWITCHYARD_ADMIN_KEY;
  return { url, adminKey };
}

async function callAdmin(
  environment: CliEnvironment,
  options: AdminOptions,
  path: string,
  init: { method: string; body?: unknown },
): Promise<unknown> {
  const { url, adminKey } = adminTarget(options, environment);
  if (!adminKey) {
    throw new Error('no admin key: pass --admin-key or set SWITCHYARD_ADMIN_KEY');
  }
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      method: init.method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new Error(
      `cannot reach the gateway at ${url}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok) {
    throw new Error(`${response.status}: ${body.error?.message ?? 'admin API error'}`);
  }
  return body;
}

function owner(key: KeyView): string {
  return key.user !== undefined ? `user:${key.user}` : `team:${key.team ?? ''}`;
}

function formatTable(keys: KeyView[]): string {
  const rows = [
    ['ID', 'PREFIX', 'OWNER', 'TIER', 'MODELS', 'CAP/DAY', 'CREATED', 'REVOKED'],
    ...keys.map((key) => [
      key.id,
      `${key.prefix}…`,
      owner(key),
      key.tier ?? '-',
      key.models?.join(',') ?? 'all',
      key.dailyUsd !== undefined ? `$${key.dailyUsd}` : '-',
      key.createdAt?.slice(0, 19).replace('T', ' ') ?? '-',
      key.revokedAt?.slice(0, 19).replace('T', ' ') ?? '-',
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function registerKeysCommand(program: Command, environment: CliEnvironment): void {
  const keys = program
    .command('keys')
    .description('manage virtual keys through the admin API of a running gateway')
    .option('--url <url>', 'gateway base URL (default $SWITCHYARD_URL or http://127.0.0.1:4000)')
    .option('--admin-key <key>', 'admin key (default $SWITCHYARD_ADMIN_KEY)')
    .option('--json', 'print JSON');

  const run = (action: (options: AdminOptions) => Promise<void>) => async () => {
    const options = keys.opts<AdminOptions>();
    try {
      await action(options);
    } catch (error) {
      environment.stderr.write(
        `switchyard keys: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      environment.exit(1);
    }
  };

  keys
    .command('create')
    .description('create a key; its secret is printed once and never stored')
    .option('--user <user>', 'the user the key belongs to')
    .option('--team <team>', 'the team the key belongs to')
    .option('--name <name>', 'a label')
    .option('--tier <tier>', 'rate-limit tier (limits.tiers)')
    .option('--models <aliases>', 'comma-separated model aliases the key may use (default: all)')
    .option('--region <region>', 'region the key is bound to')
    .option('--residency <policy>', 'off | prefer | strict (strict: never served outside --region)')
    .option('--daily-usd <usd>', 'daily USD cap of the key', (value) => Number(value))
    .action(
      async (createOptions: {
        user?: string;
        team?: string;
        name?: string;
        tier?: string;
        models?: string;
        region?: string;
        residency?: string;
        dailyUsd?: number;
      }) =>
        run(async (options) => {
          const body = {
            ...createOptions,
            ...(createOptions.models !== undefined
              ? {
                  models: createOptions.models
                    .split(',')
                    .map((model) => model.trim())
                    .filter(Boolean),
                }
              : {}),
          };
          const key = (await callAdmin(environment, options, '/admin/keys', {
            method: 'POST',
            body,
          })) as KeyView;
          if (options.json) {
            environment.stdout.write(`${JSON.stringify(key)}\n`);
            return;
          }
          environment.stdout.write(
            `created ${key.id} for ${owner(key)}\n\n  ${key.secret ?? ''}\n\n` +
              'This secret is shown once; the gateway keeps only its SHA-256. Clients send it as ' +
              '"Authorization: Bearer <secret>".\n',
          );
        })(),
    );

  keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--all', 'include revoked keys')
    .action(async (listOptions: { all?: boolean }) =>
      run(async (options) => {
        const path = listOptions.all ? '/admin/keys?includeRevoked=true' : '/admin/keys';
        const list = (await callAdmin(environment, options, path, { method: 'GET' })) as {
          data: KeyView[];
        };
        environment.stdout.write(
          options.json
            ? `${JSON.stringify(list.data)}\n`
            : `${list.data.length ? formatTable(list.data) : 'no keys'}\n`,
        );
      })(),
    );

  keys
    .command('revoke <id>')
    .description('revoke a key: every replica refuses it within keys.cacheTtlMs')
    .action(async (id: string) =>
      run(async (options) => {
        const key = (await callAdmin(
          environment,
          options,
          `/admin/keys/${encodeURIComponent(id)}`,
          {
            method: 'DELETE',
          },
        )) as KeyView;
        environment.stdout.write(
          options.json
            ? `${JSON.stringify(key)}\n`
            : `revoked ${key.id} (${owner(key)}) at ${key.revokedAt ?? ''}\n`,
        );
      })(),
    );
}
