import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { Option, type Command } from 'commander';
import { AppError } from '@strata/core';
import { formatRowError } from '@strata/ingest';
import {
  dayNumber,
  daysPerUnit,
  fitGammaGamma,
  fitPurchaseModel,
  fitSummary,
  FitMethod,
  holdoutAccuracy,
  holdoutByRepeats,
  perHistory,
  purchaseModelKinds,
  purchaseModelNames,
  toRepeatData,
  type BgNbdParams,
  type HoldoutAccuracy,
  type PurchaseModelFit,
  type PurchaseModelKind,
  type TimeUnit,
} from '@strata/profiles';
import { printJson, type GlobalOptions, type Io } from '../context.js';
import { readPurchaseFile } from '../purchase-file.js';

interface FitOptions {
  calibrationEnd: string;
  holdoutEnd?: string;
  timeUnit: TimeUnit;
  customerColumn: string;
  dateColumn: string;
  amountColumn: string;
  model: PurchaseModelKind | 'all';
  method: FitMethod;
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : '—');

/** `strata models fit`: BG/NBD and Gamma-Gamma on any purchase log, without a store. */
export function registerModels(program: Command, io: Io, globals: () => GlobalOptions): void {
  const models = program
    .command('models')
    .description('customer-base models (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma)');
  models
    .command('fit')
    .description(
      'fit a purchase model (or all of them, compared on a holdout period) and Gamma-Gamma to a CSV with one row per purchase',
    )
    .argument('<transactions.csv>', 'one row per purchase; same-day purchases of a customer count as one')
    .requiredOption('--calibration-end <date>', 'last day of the calibration period (YYYY-MM-DD or YYYYMMDD)')
    .option('--holdout-end <date>', 'last day of the holdout period: compares predicted and actual purchases')
    .addOption(
      new Option('--time-unit <unit>', 'unit of t_x, T and the parameters').choices(['day', 'week']).default('week'),
    )
    .option('--customer-column <name>', 'column with the customer id', 'customer')
    .option('--date-column <name>', 'column with the purchase date', 'date')
    .option('--amount-column <name>', 'column with the purchase value', 'amount')
    .addOption(
      new Option('--model <model>', 'purchase model; all fits each and compares them on the holdout period')
        .choices([...purchaseModelKinds, 'all'])
        .default('bg-nbd'),
    )
    .addOption(
      new Option('--method <method>', 'optimiser (Nelder–Mead is the slow fallback, for checking)')
        .choices(Object.values(FitMethod))
        .default(FitMethod.bfgs),
    )
    .action(async (file: string, opts: FitOptions) => {
      const { json } = globals();
      if (!existsSync(file)) throw new AppError('not_found', `no such file: ${file}`);
      for (const [name, v] of [
        ['--calibration-end', opts.calibrationEnd],
        ['--holdout-end', opts.holdoutEnd],
      ] as const) {
        if (v !== undefined && Number.isNaN(dayNumber(v))) throw new AppError('invalid', `${name} is not a date: ${v}`);
      }
      const read = await readPurchaseFile(file, opts);
      for (const e of read.errors) io.err(formatRowError(basename(file), e));
      if (read.purchases === 0) throw new AppError('invalid', `no usable purchases in ${file}`);
      const { histories, spend, customers } = read.histories;
      const holdoutLength = opts.holdoutEnd
        ? (dayNumber(opts.holdoutEnd) - dayNumber(opts.calibrationEnd)) / daysPerUnit(opts.timeUnit)
        : undefined;
      const data = toRepeatData(histories);
      const kinds = opts.model === 'all' ? purchaseModelKinds : [opts.model];
      const fits = kinds.map((kind) => fitPurchaseModel(kind, data, { method: opts.method }));
      const accuracy = new Map<PurchaseModelKind, HoldoutAccuracy>();
      if (holdoutLength !== undefined)
        for (const f of fits) accuracy.set(f.model, holdoutAccuracy(f, histories, holdoutLength));
      const chosen = pickModel(fits, accuracy);
      const bg = fits.find((f) => f.model === 'bg-nbd');
      // The expected frequency histogram is BG/NBD's; the holdout groups are the chosen model's.
      const fit = {
        ...(bg
          ? fitSummary(bg.params as unknown as BgNbdParams, histories)
          : { frequency: null, chiSquare: null, degreesOfFreedom: null }),
        holdout:
          holdoutLength === undefined
            ? undefined
            : holdoutByRepeats(
                histories,
                holdoutLength,
                perHistory((c) => chosen.expectedPurchases(holdoutLength, c)),
              ),
      };
      const gg = spend.length ? fitGammaGamma(spend, { method: opts.method }) : null;
      const describe = (f: PurchaseModelFit) => ({
        model: f.model,
        params: f.params,
        logLikelihood: f.logLikelihood,
        customers: f.customers,
        iterations: f.iterations,
        converged: f.converged,
        method: f.method,
        ...(accuracy.has(f.model) ? { holdout: accuracy.get(f.model) } : {}),
      });
      const result = {
        purchases: read.purchases,
        rejected: read.rejected,
        customers,
        distinctHistories: data.x.length,
        timeUnit: opts.timeUnit,
        model: chosen.model,
        models: fits.map(describe),
        bgnbd: bg ? describe(bg) : null,
        gammaGamma: gg,
        fit,
      };
      if (json) return printJson(io, result);
      io.out(
        `${read.purchases.toLocaleString('en')} purchases, ${customers.toLocaleString('en')} customers (calibration to ${opts.calibrationEnd}, time in ${opts.timeUnit}s)`,
      );
      for (const f of fits) {
        const params = Object.entries(f.params)
          .map(([k, v]) => `${k} = ${fmt(v)}`)
          .join('  ');
        io.out(
          `${purchaseModelNames[f.model].padEnd(12)} ${params}   log-likelihood = ${f.logLikelihood.toFixed(4)}${f.converged ? '' : '   (did not converge)'}`,
        );
      }
      if (fits.length > 1 && accuracy.size) {
        io.out(
          `Holdout purchases (${fmt(holdoutLength!)} ${opts.timeUnit}s), predicted vs actual, per customer error:`,
        );
        for (const f of fits) {
          const a = accuracy.get(f.model)!;
          io.out(
            `  ${purchaseModelNames[f.model].padEnd(11)} predicted ${a.predicted.toFixed(0).padStart(8)}  actual ${a.actual.toFixed(0).padStart(8)}  mean abs. error ${a.meanAbsoluteError.toFixed(4)}  RMSE ${a.rootMeanSquareError.toFixed(4)}  BIC ${a.bic.toFixed(1)}`,
          );
        }
        io.out(`Most accurate on the holdout: ${purchaseModelNames[chosen.model]}`);
      }
      if (gg)
        io.out(
          `Gamma-Gamma  p = ${fmt(gg.params.p)}  q = ${fmt(gg.params.q)}  v = ${fmt(gg.params.v)}   log-likelihood = ${gg.logLikelihood.toFixed(4)}   (${gg.customers} repeat buyers)`,
        );
      if (fit.frequency) {
        io.out(
          `Calibration repeat purchases, BG/NBD expected vs actual customers (chi-square ${fit.chiSquare.toFixed(2)}, ${fit.degreesOfFreedom} d.f.):`,
        );
        for (const f of fit.frequency)
          io.out(`  ${f.repeats.padStart(3)}  ${f.expected.toFixed(1).padStart(9)}  ${String(f.actual).padStart(7)}`);
      }
      if (fit.holdout) {
        io.out(
          `Holdout purchases per customer by calibration repeats, ${purchaseModelNames[chosen.model]} predicted vs actual:`,
        );
        for (const h of fit.holdout)
          io.out(
            `  ${h.group.padStart(3)}  ${String(h.customers).padStart(6)} customers  ${h.predicted.toFixed(3).padStart(7)}  ${h.actual.toFixed(3).padStart(7)}`,
          );
      }
    });
}

/** The model with the smallest mean absolute holdout error, or by BIC without a holdout period. */
function pickModel(fits: readonly PurchaseModelFit[], accuracy: ReadonlyMap<PurchaseModelKind, HoldoutAccuracy>) {
  const score = (f: PurchaseModelFit) => {
    const v = accuracy.get(f.model)?.meanAbsoluteError ?? 4 * Math.log(f.customers) - 2 * f.logLikelihood;
    return Number.isFinite(v) ? v : Infinity;
  };
  return fits.reduce((best, f) => (score(f) < score(best) ? f : best));
}
