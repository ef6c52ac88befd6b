// Model-fit benchmark: `strata models fit` end to end (reading the CSV included) on the CDNOW
// panel tiled to --customers customers and on a demo store's orders. Prints a table.
//
//   npm run build && node bench/models.js [--customers 1000000] [--demo-customers 100000]
//     [--demo-orders bench/out/demo-1000000/orders.csv] [--models bg-nbd,pareto-nbd,all] [--repeat 3]
//
// The tiled CDNOW file repeats the 23,570 CDNOW customers (new ids, same dates and values) and is
// written to bench/out once. Demo orders come from --demo-orders, from bench/out/demo-N (as
// written by bench/ingest.js), or are generated there with the testkit generator.
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { plainCsvHeader } from '@strata/ingest';
import {
  dayNumber,
  fitCustomerModels,
  fitGammaGamma,
  fitPurchaseModel,
  fitSummary,
  holdoutAccuracy,
  PurchaseLog,
  summarisePurchaseCsv,
  toRepeatData,
} from '@strata/profiles';
import { openScratchDatabase } from '@strata/store-duckdb';
import { generateDemoStore } from '@strata/testkit';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    'demo-customers': { type: 'string', default: '100000' },
    'demo-orders': { type: 'string' },
    models: { type: 'string', default: 'bg-nbd,pareto-nbd,all' },
    repeat: { type: 'string', default: '3' },
  },
});
const out = join(import.meta.dirname, 'out');
mkdirSync(out, { recursive: true });
const cli = join(import.meta.dirname, '..', 'apps', 'cli', 'dist', 'bin.js');

async function tiledCdnow(customers) {
  const file = join(out, `cdnow-tiled-${customers}.csv`);
  if (existsSync(file)) return file;
  const master = readFileSync(
    join(import.meta.dirname, '..', '..', 'shared', 'data', 'cdnow', 'CDNOW_master.txt'),
    'utf8',
  )
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.trim().split(/\s+/));
  const panel = 23_570;
  const stream = createWriteStream(file);
  const write = (s) => (stream.write(s) ? undefined : new Promise((r) => stream.once('drain', r)));
  await write('customer,date,amount\n');
  for (let copy = 0; copy * panel < customers; copy++) {
    let chunk = '';
    for (const [id, date, , value] of master) {
      const customer = copy * panel + Number(id);
      if (customer <= customers) chunk += `${customer},${date},${value}\n`;
    }
    await write(chunk);
  }
  await new Promise((r) => stream.end(r));
  return file;
}

async function demoOrders(customers) {
  if (values['demo-orders']) return values['demo-orders'];
  const dir = join(out, `demo-${customers}`);
  const file = join(dir, 'orders.csv');
  if (existsSync(file)) return file;
  const t0 = performance.now();
  await generateDemoStore({ customers, seed: 42, outDir: dir });
  console.error(
    `generated the ${customers.toLocaleString('en')}-customer demo store in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return file;
}

const cases = [
  {
    data: `CDNOW tiled to ${Number(values.customers).toLocaleString('en')}`,
    file: await tiledCdnow(Number(values.customers)),
    args: ['--calibration-end', '1997-09-30', '--holdout-end', '1998-06-30', '--time-unit', 'week'],
  },
  {
    data: `demo store orders${values['demo-orders'] ? '' : `, ${Number(values['demo-customers']).toLocaleString('en')} customers`}`,
    file: await demoOrders(Number(values['demo-customers'])),
    args: [
      '--customer-column',
      'customer_id',
      '--date-column',
      'placed_at',
      '--amount-column',
      'total',
      '--calibration-end',
      '2026-05-01',
      '--holdout-end',
      '2026-11-01',
      '--time-unit',
      'day',
    ],
  },
];

const rows = [];
for (const c of cases) {
  for (const model of values.models.split(',')) {
    const ms = [];
    let result;
    for (let i = 0; i < Number(values.repeat); i++) {
      const t0 = performance.now();
      const stdout = execFileSync('node', [cli, '--json', 'models', 'fit', c.file, ...c.args, '--model', model], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      ms.push(performance.now() - t0);
      result = JSON.parse(stdout);
    }
    ms.sort((a, b) => a - b);
    const fit = result.models.find((m) => m.model === result.model);
    rows.push({
      data: c.data,
      model,
      purchases: result.purchases.toLocaleString('en'),
      customers: result.customers.toLocaleString('en'),
      'distinct histories': result.distinctHistories.toLocaleString('en'),
      chosen: result.model,
      params: Object.entries(fit.params)
        .map(([k, v]) => `${k} ${v.toPrecision(4)}`)
        .join(', '),
      'seconds (median)': (ms[Math.floor(ms.length / 2)] / 1000).toFixed(2),
    });
  }
}
console.table(rows);

/**
 * Where the time of `models fit --model bg-nbd` goes: a new node process loading the modules
 * the command uses, then the command's steps one by one in this process (the CSV checked for a plain
 * dialect, DuckDB reading it to histories, the fits and the holdout comparison).
 */
const steps = [];
const seconds = (t0) => ((performance.now() - t0) / 1000).toFixed(2);
for (const c of cases) {
  const arg = (flag, fallback = '') => (c.args.includes(flag) ? String(c.args[c.args.indexOf(flag) + 1]) : fallback);
  let t0 = performance.now();
  // The CLI and the packages models fit loads when it runs (the CLI loads a command's packages then).
  const load = ['cli', 'ingest', 'profiles', 'store-duckdb'].map((p) => `await import('@strata/${p}');`).join(' ');
  execFileSync('node', ['--input-type=module', '-e', load], { cwd: import.meta.dirname });
  const step = { data: c.data, 'node + modules': seconds(t0) };
  t0 = performance.now();
  const { header } = await plainCsvHeader(c.file);
  step['plain-CSV check'] = seconds(t0);
  const names = header.map((h) => String(h).trim());
  const columns = {
    count: names.length,
    customer: names.indexOf(arg('--customer-column', 'customer')),
    date: names.indexOf(arg('--date-column', 'date')),
    amount: names.indexOf(arg('--amount-column', 'amount')),
  };
  const options = {
    calibrationEnd: arg('--calibration-end'),
    holdoutEnd: arg('--holdout-end'),
    timeUnit: arg('--time-unit'),
  };
  t0 = performance.now();
  const sql = await openScratchDatabase();
  const { histories } = await summarisePurchaseCsv(sql, c.file, columns, options);
  await sql.close();
  step['DuckDB read to histories'] = seconds(t0);
  t0 = performance.now();
  const fit = fitPurchaseModel('bg-nbd', toRepeatData(histories.histories));
  step['BG/NBD fit'] = seconds(t0);
  t0 = performance.now();
  const unit = options.timeUnit === 'week' ? 7 : 1;
  holdoutAccuracy(fit, histories.histories, (dayNumber(options.holdoutEnd) - dayNumber(options.calibrationEnd)) / unit);
  fitSummary(fit.params, histories.histories);
  step['holdout + frequency'] = seconds(t0);
  t0 = performance.now();
  fitGammaGamma(histories.spend);
  step['Gamma-Gamma'] = seconds(t0);
  step['(x, m) pairs'] = histories.spend.length.toLocaleString('en');
  steps.push(step);
}
console.table(steps);

/**
 * The profile run's fit alone (MBG/NBD + Gamma-Gamma on every buyer, times in days, as of the
 * calibration end), apart from reading the CSV. A plain split is enough for these generated files
 * (read line by line: a million customers' orders are longer than a JavaScript string).
 */
const fits = [];
for (const c of cases) {
  const lines = createInterface({ input: createReadStream(c.file), crlfDelay: Infinity });
  const names = [];
  let ci, di, ai;
  const log = new PurchaseLog();
  for await (const line of lines) {
    const cells = line.split(',');
    if (!names.length) {
      names.push(...cells);
      const column = (flag) => names.indexOf(c.args[c.args.indexOf(flag) + 1]);
      [ci, di, ai] = c.args.includes('--customer-column')
        ? [column('--customer-column'), column('--date-column'), column('--amount-column')]
        : [0, 1, 2];
      continue;
    }
    if (cells[ci]) log.add(cells[ci], cells[di], Number(cells[ai]));
  }
  const summary = log.summarise({ calibrationEnd: c.args[c.args.indexOf('--calibration-end') + 1], timeUnit: 'day' });
  const inputs = summary.map((s) => ({
    customer_id: s.customer,
    x: s.x,
    t_x: s.t_x,
    t: s.T,
    repeat_value: s.x ? s.monetary : null,
  }));
  const t0 = performance.now();
  const model = fitCustomerModels(inputs);
  fits.push({
    data: c.data,
    buyers: inputs.length.toLocaleString('en'),
    model: model.purchaseModel.model,
    params: Object.entries(model.purchaseModel.params)
      .map(([k, v]) => `${k} ${v.toPrecision(4)}`)
      .join(', '),
    'fit seconds (purchase model + Gamma-Gamma)': ((performance.now() - t0) / 1000).toFixed(2),
  });
}
console.table(fits);
