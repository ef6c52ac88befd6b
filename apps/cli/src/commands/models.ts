import { createReadStream, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { Option, type Command } from 'commander';
import { AppError } from '@strata/core';
import { formatRowError, readCsv, type RowError } from '@strata/ingest';
import {
  dayNumber,
  fitBgNbd,
  fitGammaGamma,
  fitSummary,
  summariseTransactions,
  type TimeUnit,
  type Transaction,
} from '@strata/profiles';
import { printJson, type GlobalOptions, type Io } from '../context.js';

interface FitOptions {
  calibrationEnd: string;
  holdoutEnd?: string;
  timeUnit: TimeUnit;
  customerColumn: string;
  dateColumn: string;
  amountColumn: string;
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : '—');

/** `strata models fit`: BG/NBD and Gamma-Gamma on any purchase log, without a store. */
export function registerModels(program: Command, io: Io, globals: () => GlobalOptions): void {
  const models = program.command('models').description('customer-base models (BG/NBD, Gamma-Gamma)');
  models
    .command('fit')
    .description('fit BG/NBD and Gamma-Gamma to a CSV with one row per purchase, and check them on a holdout period')
    .argument('<transactions.csv>', 'one row per purchase; same-day purchases of a customer count as one')
    .requiredOption('--calibration-end <date>', 'last day of the calibration period (YYYY-MM-DD or YYYYMMDD)')
    .option('--holdout-end <date>', 'last day of the holdout period: compares predicted and actual purchases')
    .addOption(
      new Option('--time-unit <unit>', 'unit of t_x, T and the parameters').choices(['day', 'week']).default('week'),
    )
    .option('--customer-column <name>', 'column with the customer id', 'customer')
    .option('--date-column <name>', 'column with the purchase date', 'date')
    .option('--amount-column <name>', 'column with the purchase value', 'amount')
    .action(async (file: string, opts: FitOptions) => {
      const { json } = globals();
      if (!existsSync(file)) throw new AppError('not_found', `no such file: ${file}`);
      for (const [name, v] of [
        ['--calibration-end', opts.calibrationEnd],
        ['--holdout-end', opts.holdoutEnd],
      ] as const) {
        if (v !== undefined && Number.isNaN(dayNumber(v))) throw new AppError('invalid', `${name} is not a date: ${v}`);
      }
      const rows: Transaction[] = [];
      const errors: RowError[] = [];
      for await (const rec of readCsv(createReadStream(file))) {
        if ('error' in rec) {
          errors.push(rec.error);
          continue;
        }
        const customer = rec.value[opts.customerColumn];
        const date = rec.value[opts.dateColumn];
        const amount = Number(rec.value[opts.amountColumn]);
        if (typeof customer !== 'string')
          errors.push({
            line: rec.line,
            field: opts.customerColumn,
            message: 'missing customer (check --customer-column)',
          });
        else if (typeof date !== 'string' || Number.isNaN(dayNumber(date)))
          errors.push({ line: rec.line, field: opts.dateColumn, message: `not a date: ${String(date)}` });
        else if (!Number.isFinite(amount))
          errors.push({
            line: rec.line,
            field: opts.amountColumn,
            message: `not a number: ${String(rec.value[opts.amountColumn])}`,
          });
        else rows.push({ customer, date, amount });
      }
      for (const e of errors.slice(0, 20)) io.err(formatRowError(basename(file), e));
      if (rows.length === 0) throw new AppError('invalid', `no usable purchases in ${file}`);
      const summary = summariseTransactions(rows, {
        calibrationEnd: opts.calibrationEnd,
        timeUnit: opts.timeUnit,
        ...(opts.holdoutEnd ? { holdoutEnd: opts.holdoutEnd } : {}),
      });
      const bg = fitBgNbd(summary);
      const repeaters = summary.filter((c) => c.x > 0 && c.monetary > 0).map((c) => ({ x: c.x, m: c.monetary }));
      const gg = repeaters.length ? fitGammaGamma(repeaters) : null;
      const unit = opts.timeUnit === 'week' ? 7 : 1;
      const holdoutLength = opts.holdoutEnd
        ? (dayNumber(opts.holdoutEnd) - dayNumber(opts.calibrationEnd)) / unit
        : undefined;
      const fit = fitSummary(bg.params, summary, holdoutLength);
      const result = {
        purchases: rows.length,
        rejected: errors.length,
        customers: summary.length,
        timeUnit: opts.timeUnit,
        bgnbd: bg,
        gammaGamma: gg,
        fit,
      };
      if (json) return printJson(io, result);
      io.out(
        `${rows.length.toLocaleString('en')} purchases, ${summary.length.toLocaleString('en')} customers (calibration to ${opts.calibrationEnd}, time in ${opts.timeUnit}s)`,
      );
      io.out(
        `BG/NBD       r = ${fmt(bg.params.r)}  alpha = ${fmt(bg.params.alpha)}  a = ${fmt(bg.params.a)}  b = ${fmt(bg.params.b)}   log-likelihood = ${bg.logLikelihood.toFixed(4)}`,
      );
      if (gg)
        io.out(
          `Gamma-Gamma  p = ${fmt(gg.params.p)}  q = ${fmt(gg.params.q)}  v = ${fmt(gg.params.v)}   log-likelihood = ${gg.logLikelihood.toFixed(4)}   (${gg.customers} repeat buyers)`,
        );
      io.out(
        `Calibration repeat purchases, expected vs actual customers (chi-square ${fit.chiSquare.toFixed(2)}, ${fit.degreesOfFreedom} d.f.):`,
      );
      for (const f of fit.frequency)
        io.out(`  ${f.repeats.padStart(3)}  ${f.expected.toFixed(1).padStart(9)}  ${String(f.actual).padStart(7)}`);
      if (fit.holdout) {
        io.out(`Holdout purchases per customer by calibration repeats, predicted vs actual:`);
        for (const h of fit.holdout)
          io.out(
            `  ${h.group.padStart(3)}  ${String(h.customers).padStart(6)} customers  ${h.predicted.toFixed(3).padStart(7)}  ${h.actual.toFixed(3).padStart(7)}`,
          );
      }
    });
}
