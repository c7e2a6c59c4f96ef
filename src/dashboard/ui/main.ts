// The dashboard page: reads /admin/stats/{overview,live,economics} and renders each panel; a time
// range picker and auto-refresh. Charts with uPlot (bundled at build time). Each panel carries
// data-panel and, once drawn, data-state (data | empty | error); numbers carry data-raw.

import uPlot from 'uplot';
import { count, esc, ms, percent, time, usd } from './format.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the stats JSON is read as it comes */
type Json = any;

const ranges = ['1h', '6h', '24h', '7d', '30d'] as const;
const keyStorage = 'switchyard-dashboard-key';
const app = document.getElementById('app') as HTMLElement;
const statusLine = document.getElementById('status') as HTMLElement;
let range: string = /range=(\w+)/.exec(location.hash)?.[1] ?? '24h';
let preset: string | undefined;
let refreshMs = 15_000;
let timer: number | undefined;
let loading = false;
const charts: uPlot[] = [];

class Unauthorized extends Error {}

async function getJson(path: string): Promise<Json> {
  const key = sessionStorage.getItem(keyStorage);
  const response = await fetch(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (response.status === 401 || response.status === 403)
    throw new Unauthorized(await response.text());
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

function panel(id: string, title: string, wide = false): HTMLElement {
  let section = document.querySelector<HTMLElement>(`section[data-panel="${id}"]`);
  if (!section) {
    section = document.createElement('section');
    section.dataset.panel = id;
    if (wide) section.classList.add('wide');
    app.append(section);
  }
  section.innerHTML = `<h2>${title}</h2>`;
  return section;
}

function setState(section: HTMLElement, state: 'data' | 'empty' | 'error') {
  section.dataset.state = state;
}

function empty(section: HTMLElement, text: string) {
  section.insertAdjacentHTML('beforeend', `<p class="empty">${esc(text)}</p>`);
  setState(section, 'empty');
}

interface Column {
  title: string;
  key: string;
  numeric?: boolean;
  format?: (value: any, row: any) => string;
}

function table(rows: any[], columns: Column[], rowKey: (row: any) => string): string {
  const head = columns
    .map((column) => `<th class="${column.numeric ? 'num' : ''}">${esc(column.title)}</th>`)
    .join('');
  const body = rows
    .map((row) => {
      const cells = columns
        .map((column) => {
          const value = column.key.split('.').reduce((object: any, part) => object?.[part], row);
          const shown = column.format ? column.format(value, row) : esc(value);
          const raw = typeof value === 'number' ? ` data-raw="${value}"` : '';
          return `<td class="${column.numeric ? 'num' : ''}" data-col="${column.key}"${raw}>${shown}</td>`;
        })
        .join('');
      return `<tr data-row="${esc(rowKey(row))}">${cells}</tr>`;
    })
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const bar = (share: number, hot = false) =>
  `<div class="bar${hot ? ' hot' : ''}"><i style="width:${Math.min(100, Math.max(0, share * 100)).toFixed(1)}%"></i></div>`;

const palette = [
  '#4c6ef5',
  '#f76707',
  '#12b886',
  '#e64980',
  '#7950f2',
  '#fab005',
  '#15aabf',
  '#868e96',
  '#adb5bd',
];

function chartWidth(section: HTMLElement) {
  return Math.max(320, section.clientWidth - 32);
}

function renderKpis(overview: Json) {
  const section = panel(
    'totals',
    `Overview <small>${esc(time(overview.window.since))} → ${esc(time(overview.window.until))}, ${overview.window.granularity === 'hour' ? 'whole UTC hours' : 'whole UTC days'}</small>`,
    true,
  );
  const t = overview.totals;
  const kpi = (id: string, raw: number | null, shown: string, caption: string) =>
    `<div class="kpi"><b data-value="${id}" data-raw="${raw ?? ''}">${shown}</b><span>${caption}</span></div>`;
  section.insertAdjacentHTML(
    'beforeend',
    `<div class="kpis">
      ${kpi('requests', t.requests, count(t.requests), 'requests')}
      ${kpi('total-cost', t.costUsd, usd(t.costUsd), 'spend (USD)')}
      ${kpi('tokens', t.inputTokens + t.outputTokens, count(t.inputTokens + t.outputTokens), 'tokens in + out')}
      ${kpi('cache-hit-rate', t.cacheHitRate, percent(t.cacheHitRate), `cache hits (${count(t.cacheHits)} of the requests)`)}
      ${kpi('cache-saved', t.cacheSavedUsd, usd(t.cacheSavedUsd), 'saved by the cache (USD)')}
      ${kpi('fallback-rate', t.fallbackRate, percent(t.fallbackRate), `fallbacks (${count(t.fallbacks)} served after a failed attempt)`)}
      ${kpi('error-rate', t.requests > 0 ? t.errors / t.requests : null, percent(t.requests > 0 ? t.errors / t.requests : null), 'errors')}
    </div>`,
  );
  setState(section, t.requests > 0 ? 'data' : 'empty');
}

function renderSpendOverTime(overview: Json) {
  const section = panel(
    'spend-over-time',
    'Spend over time by feature <small>USD per bucket, stacked</small>',
    true,
  );
  const { buckets, series } = overview.spendOverTime;
  if (series.length === 0 || overview.totals.costUsd <= 0)
    return empty(section, 'No spend in this range.');
  const xs = buckets.map((bucket: string) => Date.parse(bucket) / 1000);
  // Stacked: series i is drawn at the running sum of 0…i; drawn from the top down so fills overlap.
  const stacked: number[][] = [];
  let running = new Array<number>(xs.length).fill(0);
  for (const entry of series) {
    running = running.map((value, index) => value + (entry.costUsd[index] ?? 0));
    stacked.push(running);
  }
  const order = series.map((_: unknown, index: number) => index).reverse();
  const holder = document.createElement('div');
  section.append(holder);
  const chart = new uPlot(
    {
      width: chartWidth(section),
      height: 260,
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, ticks) => ticks.map((tick) => usd(tick)), size: 70 }],
      series: [
        {},
        ...order.map((index: number) => ({
          label: series[index].name,
          stroke: palette[index % palette.length],
          fill: `${palette[index % palette.length]}99`,
          width: 1,
          // The legend shows the feature's own spend, not the stacked height.
          value: (_u: uPlot, _v: number, _s: number, idx: number | null) =>
            idx === null ? '—' : usd(series[index].costUsd[idx] ?? 0),
        })),
      ],
    },
    [xs, ...order.map((index: number) => stacked[index] as number[])],
    holder,
  );
  charts.push(chart);
  const totals = series.map((entry: Json) => ({
    name: entry.name,
    costUsd: entry.costUsd.reduce((sum: number, value: number) => sum + value, 0),
  }));
  section.insertAdjacentHTML(
    'beforeend',
    table(
      totals,
      [
        { title: 'feature', key: 'name' },
        { title: 'spend', key: 'costUsd', numeric: true, format: usd },
      ],
      (row) => row.name,
    ),
  );
  setState(section, 'data');
}

function renderTop(id: string, title: string, rows: Json[]) {
  const section = panel(id, title);
  if (rows.length === 0) return empty(section, 'No requests in this range.');
  section.insertAdjacentHTML(
    'beforeend',
    table(
      rows,
      [
        { title: 'name', key: 'name' },
        { title: 'requests', key: 'requests', numeric: true, format: count },
        { title: 'spend', key: 'costUsd', numeric: true, format: usd },
        { title: 'share', key: 'share', numeric: true, format: (value) => percent(value) },
        { title: '', key: 'share', format: (value) => bar(value) },
      ],
      (row) => row.name,
    ),
  );
  setState(section, 'data');
}

function renderPareto(overview: Json) {
  const section = panel(
    'pareto',
    '80/20 of spend <small>features by spend, cumulative share</small>',
  );
  const pareto = overview.pareto;
  if (pareto.curve.length === 0) return empty(section, 'No spend in this range.');
  const last = pareto.features.at(-1);
  section.insertAdjacentHTML(
    'beforeend',
    `<p><b data-value="pareto-count" data-raw="${pareto.features.length}">${pareto.features.length}</b> of ${pareto.featureCount} feature(s) make <b>${percent(last?.cumulativeShare ?? 0)}</b> of spend: ${pareto.features.map((feature: Json) => esc(feature.name)).join(', ')}.</p>`,
  );
  section.insertAdjacentHTML(
    'beforeend',
    table(
      pareto.curve,
      [
        { title: 'feature', key: 'name' },
        { title: 'spend', key: 'costUsd', numeric: true, format: usd },
        {
          title: 'cumulative',
          key: 'cumulativeShare',
          numeric: true,
          format: (value) => percent(value),
        },
        { title: '', key: 'cumulativeShare', format: (value) => bar(value) },
      ],
      (row) => row.name,
    ),
  );
  setState(section, 'data');
}

function renderLatency(overview: Json) {
  const latency = overview.latency;
  const section = panel(
    'latency',
    `Latency by model <small>successful requests${latency.sampled ? `, latest ${count(latency.sampleRows)} of the range` : ''}</small>`,
    true,
  );
  if (latency.models.length === 0) return empty(section, 'No successful requests in this range.');
  const cell = (value: number | null) => ms(value);
  section.insertAdjacentHTML(
    'beforeend',
    table(
      latency.models,
      [
        { title: 'model', key: 'model' },
        { title: 'requests', key: 'requests', numeric: true, format: count },
        { title: 'TTFT p50', key: 'ttft.p50', numeric: true, format: cell },
        { title: 'TTFT p95', key: 'ttft.p95', numeric: true, format: cell },
        { title: 'TTFT p99', key: 'ttft.p99', numeric: true, format: cell },
        { title: 'total p50', key: 'total.p50', numeric: true, format: cell },
        { title: 'total p95', key: 'total.p95', numeric: true, format: cell },
        { title: 'total p99', key: 'total.p99', numeric: true, format: cell },
      ],
      (row) => row.model,
    ),
  );
  setState(section, 'data');
}

function renderProviders(live: Json) {
  const section = panel('providers', 'Provider health <small>circuit breakers, live</small>');
  const deployments: Json[] = live.providers ?? [];
  if (deployments.length === 0) return empty(section, 'No deployments configured.');
  const inFlight = new Map<string, number>(
    (live.inFlightByDeployment ?? []).map((entry: Json) => [entry.deployment, entry.inFlight]),
  );
  section.insertAdjacentHTML(
    'beforeend',
    table(
      deployments.map((entry) => ({ ...entry, inFlight: inFlight.get(entry.deployment) ?? 0 })),
      [
        { title: 'deployment', key: 'deployment' },
        { title: 'aliases', key: 'aliases', format: (value) => esc((value ?? []).join(', ')) },
        {
          title: 'breaker',
          key: 'breaker.state',
          format: (value) => `<span class="state-${esc(value)}">${esc(value)}</span>`,
        },
        {
          title: 'failures',
          key: 'breaker.consecutiveFailures',
          numeric: true,
          format: (value) => (value === undefined ? '—' : String(value)),
        },
        { title: 'in flight', key: 'inFlight', numeric: true, format: String },
      ],
      (row) => row.deployment,
    ),
  );
  setState(section, 'data');
}

function renderInFlight(live: Json) {
  const section = panel('in-flight', 'In-flight requests <small>per deployment, now</small>');
  section.insertAdjacentHTML(
    'beforeend',
    `<p>Requests in the gateway: <b data-value="in-flight-total" data-raw="${live.inFlightRequests}">${live.inFlightRequests}</b></p>`,
  );
  if (live.inFlightByDeployment === null)
    return empty(section, 'Per-deployment counts need metrics.enabled.');
  const rows = live.inFlightByDeployment as Json[];
  if (rows.length === 0) return empty(section, 'No upstream attempt has run yet.');
  section.insertAdjacentHTML(
    'beforeend',
    table(
      rows,
      [
        { title: 'deployment', key: 'deployment' },
        { title: 'provider', key: 'provider' },
        { title: 'in flight', key: 'inFlight', numeric: true, format: String },
      ],
      (row) => row.deployment,
    ),
  );
  setState(section, 'data');
}

function renderCaps(live: Json) {
  const section = panel(
    'caps',
    'Daily caps <small>today (UTC), spent from the trace store</small>',
  );
  if (live.caps === null) return empty(section, `Needs the trace store: ${live.traceStoreError}`);
  const caps: Json[] = live.caps;
  if (caps.length === 0)
    return empty(
      section,
      'No caps configured (caps.*, keys.static[].dailyUsd, alerts.globalDailyUsd).',
    );
  section.insertAdjacentHTML(
    'beforeend',
    table(
      caps,
      [
        { title: 'cap', key: 'cap' },
        { title: 'spent today', key: 'spentTodayUsd', numeric: true, format: usd },
        { title: 'limit', key: 'limitUsd', numeric: true, format: usd },
        { title: 'used', key: 'share', numeric: true, format: (value) => percent(value) },
        { title: '', key: 'share', format: (value) => bar(value, value >= 0.8) },
        { title: 'rule', key: 'rule' },
      ],
      (row) => row.cap,
    ),
  );
  setState(section, 'data');
}

function renderAlerts(live: Json) {
  const section = panel('alerts', 'Spend alerts <small>fired in the last 7 days</small>');
  if (live.alerts === null) return empty(section, `Needs the trace store: ${live.traceStoreError}`);
  const alerts: Json[] = live.alerts;
  if (alerts.length === 0) return empty(section, 'No spend alert fired in the last 7 days.');
  section.insertAdjacentHTML(
    'beforeend',
    table(
      alerts,
      [
        { title: 'time', key: 'time', format: time },
        { title: 'cap', key: 'cap' },
        {
          title: 'threshold',
          key: 'thresholdPercent',
          numeric: true,
          format: (value) => `${value}%`,
        },
        { title: 'spent', key: 'spentUsd', numeric: true, format: usd },
        { title: 'limit', key: 'limitUsd', numeric: true, format: usd },
        {
          title: 'state',
          key: 'state',
          format: (value, row) =>
            value === 'active' ? `active until ${esc(time(row.resetAt))}` : 'reset',
        },
      ],
      (row) => `${row.cap}@${row.thresholdPercent}@${row.time}`,
    ),
  );
  setState(section, 'data');
}

function renderEconomics(advice: Json) {
  const section = panel(
    'economics',
    "Self-hosting advisor <small>from this range's traffic</small>",
    true,
  );
  const select = `<label>self-hosted model: <select id="preset">${advice.presets
    .map(
      (name: string) =>
        `<option ${name === advice.preset.name ? 'selected' : ''}>${esc(name)}</option>`,
    )
    .join(
      '',
    )}</select></label> <span class="muted">${esc(advice.preset.description ?? '')}: ${advice.preset.tokensPerSecond} tokens/s per replica, ${advice.preset.gpusPerReplica} GPU × $${advice.preset.gpuHourUsd}/h; sized for the peak hour at ${percent(advice.targetUtilisation, 0)}</span>`;
  section.insertAdjacentHTML(
    'beforeend',
    `${select}<p class="muted">Window: <span data-value="advisor-window-days" data-raw="${advice.windowDays}">${advice.windowDays.toFixed(2)}</span> day(s), scaled to a month of 730 h.</p>`,
  );
  section.querySelector<HTMLSelectElement>('#preset')?.addEventListener('change', (event) => {
    preset = (event.target as HTMLSelectElement).value;
    void refresh();
  });
  const features: Json[] = advice.features;
  if (features.length === 0) return empty(section, 'No API traffic in this range.');
  const crossing = features.filter((feature) => feature.crossesBreakEven);
  section.insertAdjacentHTML(
    'beforeend',
    `<p>${crossing.length === 0 ? 'No feature crosses the break-even on this preset.' : `Crossing the break-even: ${crossing.map((feature) => `<b>${esc(feature.feature)}</b> (saves ${usd(feature.monthlySavingUsd)}/month)`).join(', ')}.`}</p>`,
  );
  const hours = (profile: number[]) => {
    const peak = Math.max(...profile, 1e-12);
    return `<div class="hours" title="tokens/s by UTC hour">${profile.map((value) => `<i style="height:${((value / peak) * 100).toFixed(0)}%"></i>`).join('')}</div>`;
  };
  section.insertAdjacentHTML(
    'beforeend',
    table(
      features,
      [
        { title: 'feature', key: 'feature' },
        { title: 'tokens/month', key: 'tokensPerMonth', numeric: true, format: count },
        { title: 'API $/month', key: 'apiMonthlyUsd', numeric: true, format: usd },
        {
          title: 'API $/1M',
          key: 'apiPerMTok',
          numeric: true,
          format: (value) => (value === null ? '—' : usd(value)),
        },
        { title: 'load by hour (UTC)', key: 'hourProfile', format: hours },
        {
          title: 'peak tok/s',
          key: 'peakTokensPerSecond',
          numeric: true,
          format: (value) => value.toFixed(1),
        },
        { title: 'replicas', key: 'replicas', numeric: true, format: String },
        {
          title: 'utilisation',
          key: 'effectiveUtilisation',
          numeric: true,
          format: (value) => percent(value),
        },
        { title: 'self-hosted $/month', key: 'selfHostedMonthlyUsd', numeric: true, format: usd },
        { title: 'saving $/month', key: 'monthlySavingUsd', numeric: true, format: usd },
        {
          title: 'pays?',
          key: 'crossesBreakEven',
          format: (value) =>
            value ? '<span class="yes">yes</span>' : '<span class="no">no</span>',
        },
      ],
      (row) => row.feature,
    ),
  );
  section.insertAdjacentHTML(
    'beforeend',
    `<details><summary class="muted">Assumptions</summary><ul class="assumptions">${advice.assumptions.map((text: string) => `<li>${esc(text)}</li>`).join('')}</ul></details>`,
  );
  setState(section, 'data');
}

function renderError(id: string, title: string, error: unknown, wide = false) {
  const section = panel(id, title, wide);
  section.insertAdjacentHTML(
    'beforeend',
    `<p class="empty">Could not load: ${esc((error as Error).message)}</p>`,
  );
  setState(section, 'error');
}

function renderRanges() {
  const nav = document.getElementById('ranges') as HTMLElement;
  nav.innerHTML = ranges
    .map(
      (name) =>
        `<button type="button" data-range="${name}" aria-pressed="${name === range}">${name}</button>`,
    )
    .join('');
  nav.querySelectorAll<HTMLButtonElement>('button').forEach((button) =>
    button.addEventListener('click', () => {
      range = button.dataset.range ?? '24h';
      history.replaceState(null, '', `#range=${range}`);
      renderRanges();
      void refresh();
    }),
  );
}

async function refresh() {
  if (loading) return;
  loading = true;
  const started = performance.now();
  const requested = range;
  statusLine.textContent = 'loading…';
  try {
    const query = `since=${encodeURIComponent(requested)}`;
    const [overview, live, advice] = await Promise.allSettled([
      getJson(`/admin/stats/overview?${query}`),
      getJson('/admin/stats/live'),
      getJson(
        `/admin/stats/economics?${query}${preset ? `&preset=${encodeURIComponent(preset)}` : ''}`,
      ),
    ]);
    const denied = [overview, live, advice].find(
      (result) => result.status === 'rejected' && result.reason instanceof Unauthorized,
    );
    if (denied) {
      (document.getElementById('key-form') as HTMLElement).hidden = false;
      statusLine.textContent = 'a key is needed';
      return;
    }
    for (const chart of charts.splice(0)) chart.destroy();
    if (overview.status === 'fulfilled') {
      renderKpis(overview.value);
      renderSpendOverTime(overview.value);
      renderTop('top-users', 'Top users <small>by spend</small>', overview.value.topUsers);
      renderTop('top-keys', 'Top keys <small>by spend</small>', overview.value.topKeys);
      renderPareto(overview.value);
      renderLatency(overview.value);
    } else {
      renderError('totals', 'Overview', overview.reason, true);
    }
    if (live.status === 'fulfilled') {
      refreshMs = (live.value.refreshSeconds ?? 15) * 1000;
      renderProviders(live.value);
      renderInFlight(live.value);
      renderCaps(live.value);
      renderAlerts(live.value);
    } else {
      renderError('providers', 'Provider health', live.reason);
    }
    if (advice.status === 'fulfilled') renderEconomics(advice.value);
    else renderError('economics', 'Self-hosting advisor', advice.reason, true);
    document.body.dataset.loadedRange = requested;
    document.body.dataset.loadMs = String(Math.round(performance.now() - started));
    statusLine.textContent = `updated ${new Date().toLocaleTimeString()} (${Math.round(performance.now() - started)} ms)`;
  } finally {
    loading = false;
    schedule();
  }
}

function schedule() {
  if (timer !== undefined) clearTimeout(timer);
  const auto = document.getElementById('auto-refresh') as HTMLInputElement;
  if (auto.checked) timer = window.setTimeout(() => void refresh(), refreshMs);
}

document.getElementById('auto-refresh')?.addEventListener('change', schedule);
document.getElementById('key-form')?.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('key-input') as HTMLInputElement;
  sessionStorage.setItem(keyStorage, input.value.trim());
  (document.getElementById('key-form') as HTMLElement).hidden = true;
  void refresh();
});
renderRanges();
void refresh();
