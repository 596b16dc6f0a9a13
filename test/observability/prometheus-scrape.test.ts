import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { createCustomer } from '../support/customers.js';
import {
  addPipelineProcesses,
  createServiceGroup,
  eventually,
  freePort,
  makeLogDirectory,
  type ServiceGroup,
  startPipelineProcesses,
} from '@orders/test-support';
import { request } from '../support/http-client.js';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { isolatedTopology, removeTopology } from '../support/pipeline.js';
import { NPM_START, testWiring } from '../support/system-under-test.js';
import { unique } from '../support/running-services.js';

// A real Prometheus (the Debian package) scraping the real processes: the
// metric names pass promtool, the alert rules load, and every Grafana panel's
// query parses and the core ones return data.

const deploy = fileURLToPath(new URL('../../deploy/', import.meta.url));
const JOBS = ['order_service', 'customer_service', 'order_outbox_worker', 'order_created_consumer'] as const;

let databases: IsolatedDatabases | undefined;
let topology: MessagingTopology | undefined;
let group: ServiceGroup | undefined;
let prometheus: ChildProcess | undefined;
let prometheusUrl: string;
let workDirectory: string | undefined;
const metricsUrls = {} as Record<(typeof JOBS)[number], string>;

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

interface QueryAnswer {
  status: 'success' | 'error';
  error?: string;
  data?: { result: unknown[] };
}

const killPrometheus = () => prometheus?.kill('SIGKILL');

async function query(expr: string): Promise<QueryAnswer> {
  // Grafana replaces $__rate_interval itself; with a 1 s scrape, 15 s holds many samples.
  const url = `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr.replaceAll('$__rate_interval', '15s'))}`;
  return (await request<QueryAnswer>(url)).body;
}

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  group = createServiceGroup({ logDirectory: makeLogDirectory('prometheus-scrape'), launch: NPM_START });
  const pipeline = addPipelineProcesses(group, await testWiring({ databases, topology }));
  await startPipelineProcesses(pipeline);
  // The worker and the consumer take a fresh ops port at every start: scrape the ones they have now.
  metricsUrls.order_service = `${pipeline.orderServiceUrl}/metrics`;
  metricsUrls.customer_service = `${pipeline.customerServiceUrl}/metrics`;
  for (const [job, member] of [
    ['order_outbox_worker', pipeline.workers[0]],
    ['order_created_consumer', pipeline.consumers[0]],
  ] as const) {
    const port = member?.healthPort;
    if (port === undefined) throw new Error(`${job} has no ops port`);
    metricsUrls[job] = `http://127.0.0.1:${port}/metrics`;
  }

  workDirectory = mkdtempSync(join(tmpdir(), 'prometheus-scrape-'));
  copyFileSync(join(deploy, 'prometheus/alerts.yml'), join(workDirectory, 'alerts.yml'));
  const scrapeConfigs = JOBS.map((job) => {
    const url = new URL(metricsUrls[job]);
    return `  - job_name: ${job}\n    static_configs:\n      - targets: ["${url.host}"]`;
  });
  writeFileSync(
    join(workDirectory, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - alerts.yml\nscrape_configs:\n${scrapeConfigs.join('\n')}\n`,
  );
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  process.once('exit', killPrometheus);
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(workDirectory, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(workDirectory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let prometheusLog = '';
  prometheus.stderr?.on('data', (chunk: Buffer) => (prometheusLog = (prometheusLog + chunk.toString()).slice(-4_000)));
  await eventually(
    async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.status ?? 0,
    (status) => status === 200,
    { timeoutMs: 30_000, intervalMs: 100, what: 'Prometheus to be ready' },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${prometheusLog}`);
  });

  // Some traffic through the whole pipeline, so the rates and the lag have samples.
  const customer = await createCustomer(pipeline.customerServiceUrl);
  const label = unique('Scraped');
  for (let index = 0; index < 40; index += 1) {
    const placed = await request(`${pipeline.orderServiceUrl}/api/v1/orders`, {
      body: { customer_id: customer.id, product_name: `${label} ${index}`, quantity: 1, price: 1.5 },
    });
    expect(placed.status).toBe(201);
  }
}, 120_000);

// Whatever beforeAll got to before a failure is undone; Prometheus is stopped first.
afterAll(async () => {
  killPrometheus();
  process.removeListener('exit', killPrometheus);
  if (workDirectory !== undefined) rmSync(workDirectory, { recursive: true, force: true });
  if (group !== undefined) {
    await group.killAll();
    group.dispose();
  }
  if (topology !== undefined) await removeTopology(topology);
  await databases?.drop();
});

describe('the metrics every process serves', () => {
  it('pass promtool check metrics (prom-client’s own nodejs_ and process_ defaults aside)', async () => {
    for (const job of JOBS) {
      const exposition = (await request(metricsUrls[job])).text;
      const problems = await new Promise<string>((resolve) => {
        const check = execFile('promtool', ['check', 'metrics'], (_error, stdout, stderr) => resolve(`${stdout}${stderr}`));
        check.stdin?.end(exposition);
      });
      const ours = problems
        .split('\n')
        .filter((line) => line.trim() !== '' && !/^(nodejs_|process_)/.test(line));
      expect(ours, job).toEqual([]);
    }
  });
});

describe('a real Prometheus scraping the processes', () => {
  it('scrapes all four and loads every alert rule without an error', async () => {
    await eventually(
      () => query('up'),
      (answer) => (answer.data?.result.length ?? 0) === JOBS.length,
      { timeoutMs: 20_000, intervalMs: 250, what: 'Prometheus to scrape every process' },
    );
    const up = await query('min by (job) (up)');
    expect(up.data?.result).toHaveLength(JOBS.length);
    for (const sample of up.data?.result as { value: [number, string] }[]) expect(sample.value[1]).toBe('1');

    const rules = (await request<{ data: { groups: { rules: { name: string; health: string }[] }[] } }>(`${prometheusUrl}/api/v1/rules`)).body;
    const loaded = rules.data.groups.flatMap((ruleGroup) => ruleGroup.rules);
    expect(loaded.length).toBeGreaterThanOrEqual(10);
    expect(loaded.filter((rule) => rule.health === 'err')).toEqual([]);
  }, 30_000);

  it('parses every Grafana panel’s query, and the core panels return data', async () => {
    const dashboard = JSON.parse(readFileSync(join(deploy, 'grafana/dashboards/orders-pipeline.json'), 'utf8')) as { panels: Panel[] };
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
    expect(queries.length).toBeGreaterThan(0);
    for (const { panel, expr } of queries) {
      const answer = await query(expr);
      expect(answer.status, `${panel}: ${expr}: ${answer.error ?? ''}`).toBe('success');
    }

    // The panels that must show something on a healthy system with traffic.
    // (Queue depth needs the broker's own exporter; 5xx, failures and dead letters are empty when all is well.)
    const core = ['Order intake rate', 'Order latency', 'Outbox lag', 'Outbox backlog', 'Publish rate', 'Apply rate', 'End-to-end lag', 'RabbitMQ connection', 'RabbitMQ blocking publishes', 'DB pool waiting', 'Scrape targets'];
    for (const title of core) {
      const expr = queries.find((candidate) => candidate.panel === title)?.expr;
      expect(expr, `a panel called ${title}`).toBeDefined();
      await eventually(
        () => query(expr ?? ''),
        (answer) => (answer.data?.result.length ?? 0) > 0,
        { timeoutMs: 20_000, intervalMs: 250, what: `data for the "${title}" panel (${expr ?? ''})` },
      );
    }
  }, 90_000);
});
