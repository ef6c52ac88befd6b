import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { captureIo } from './helpers.js';

const elog = new URL('../../../../shared/data/cdnow/cdnowElog.csv', import.meta.url).pathname;
const cdnowArgs = [
  elog,
  '--customer-column',
  'sampleid',
  '--date-column',
  'date',
  '--amount-column',
  'sales',
  '--calibration-end',
  '19970930',
  '--time-unit',
  'week',
];
const sig3 = (v: number) => Number(v.toPrecision(3));

interface FitOutput {
  model: string;
  models: { model: string; params: Record<string, number>; holdout?: { meanAbsoluteError: number; actual: number } }[];
}

describe('strata models fit --model', () => {
  it('fits Pareto/NBD to the published CDNOW estimates, parameters named as in the paper', async () => {
    const io = captureIo();
    expect(await run(['--json', 'models', 'fit', ...cdnowArgs, '--model', 'pareto-nbd'], io)).toBe(0);
    const out = JSON.parse(io.stdout.join('\n')) as FitOutput;
    expect(out.model).toBe('pareto-nbd');
    const { r, alpha, s, beta } = out.models[0]!.params;
    expect([sig3(r!), sig3(alpha!), sig3(s!), sig3(beta!)]).toEqual([0.553, 10.6, 0.606, 11.7]);
  });

  it('--model all compares the three models on the holdout period and names the most accurate', async () => {
    const io = captureIo();
    expect(await run(['models', 'fit', ...cdnowArgs, '--holdout-end', '19980630', '--model', 'all'], io)).toBe(0);
    const text = io.stdout.join('\n');
    for (const name of ['BG/NBD', 'MBG/NBD', 'Pareto/NBD']) expect(text).toContain(name);
    expect(text).toMatch(/Most accurate on the holdout: Pareto\/NBD/);

    const json = captureIo();
    await run(['--json', 'models', 'fit', ...cdnowArgs, '--holdout-end', '19980630', '--model', 'all'], json);
    const out = JSON.parse(json.stdout.join('\n')) as FitOutput;
    expect(out.models.map((m) => m.model)).toEqual(['bg-nbd', 'mbg-nbd', 'pareto-nbd']);
    // 1,882 repeat purchase days in the 39-week holdout (Fader, Hardie & Lee 2005)
    for (const m of out.models) expect(m.holdout!.actual).toBe(1882);
    const best = Math.min(...out.models.map((m) => m.holdout!.meanAbsoluteError));
    expect(out.models.find((m) => m.model === out.model)!.holdout!.meanAbsoluteError).toBe(best);
  });

  it('Nelder–Mead on request reaches the BFGS estimates', async () => {
    const io = captureIo();
    await run(['--json', 'models', 'fit', ...cdnowArgs, '--model', 'mbg-nbd', '--method', 'nelder-mead'], io);
    const out = JSON.parse(io.stdout.join('\n')) as FitOutput & { models: { method: string }[] };
    expect(out.models[0]!.method).toBe('nelder-mead');
    expect(sig3(out.models[0]!.params.r!)).toBe(0.525);
    expect(sig3(out.models[0]!.params.b!)).toBe(1.61);
  });

  it('rejects an unknown model, and reports rows without a customer by line', async () => {
    const bad = captureIo();
    expect(await run(['models', 'fit', ...cdnowArgs, '--model', 'bg/nbd'], bad)).not.toBe(0);
    expect(bad.stderr.join('\n')).toMatch(/bg-nbd.*mbg-nbd.*pareto-nbd/);

    const dir = mkdtempSync(join(tmpdir(), 'strata-models-'));
    const file = join(dir, 'orders.csv');
    writeFileSync(file, 'customer,date,amount\na,2024-01-02,10\n,2024-01-03,5\na,2024-02-01,7\nb,2024-01-05,3\n');
    const io = captureIo();
    expect(
      await run(['--json', 'models', 'fit', file, '--calibration-end', '2024-03-01', '--model', 'mbg-nbd'], io),
    ).toBe(0);
    expect(io.stderr.join('\n')).toMatch(/orders.csv:3: field "customer": missing customer/);
    expect((JSON.parse(io.stdout.join('\n')) as { customers: number }).customers).toBe(2);
  });
});
