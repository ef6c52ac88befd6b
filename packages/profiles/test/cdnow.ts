/** The CDNOW data in ../shared/data/cdnow, as the model tests read it. */
import { readFileSync } from 'node:fs';
import type { RepeatSummary } from '../src/models/index.js';

/** The rows of one of the CDNOW CSV files, header dropped, cells as text. */
export const cdnowCsv = (name: string): string[][] =>
  readFileSync(new URL(`../../../../shared/data/cdnow/${name}`, import.meta.url), 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(','));

/** The published calibration summary (x, t_x, T in weeks) of the 2,357 sample customers. */
export const cdnowSummary: RepeatSummary[] = cdnowCsv('cdnow_customers_summary.csv').map(([, x, t_x, T]) => ({
  x: Number(x),
  t_x: Number(t_x),
  T: Number(T),
}));
