import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { AppError, exportFormats, parseAsOf, type ExportFormat } from '@strata/core';
import type { ExportAsk, ExportStream, SegmentChoice } from '../backend-port.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';
import { collect, onBackend, segmentChoice, type SegmentOptions } from '../segment-choice.js';

interface ExportOptions {
  format: string;
  columns?: string;
  out?: string;
  asOf?: string;
}

function exportAsk(opts: ExportOptions): ExportAsk {
  if (!(exportFormats as readonly string[]).includes(opts.format))
    throw new AppError('invalid', `--format must be one of ${exportFormats.join(', ')}, not "${opts.format}"`);
  return {
    format: opts.format as ExportFormat,
    ...(opts.columns !== undefined ? { columns: opts.columns.split(',').map((c) => c.trim()) } : {}),
    ...(opts.asOf ? { asOf: parseAsOf(opts.asOf, '--as-of') } : {}),
  };
}

/**
 * Writes the file: to `--out` (nothing there until it is whole, so a failed export never leaves a
 * file that looks whole; owner-only, as it holds personal data), or to standard output.
 */
async function writeFile(io: Io, stream: ExportStream, out: string | undefined): Promise<void> {
  if (out !== undefined) return stream.saveAs(out);
  const write = io.write!;
  for await (const chunk of stream.chunks) await write(chunk);
}

/** The summary on stderr (stdout may be the file): how many, as of when, who was left out and why. */
function report(io: Io, g: GlobalOptions, stream: ExportStream, out: string | undefined): void {
  const s = stream.summary;
  if (g.json) return out === undefined ? io.err(JSON.stringify(s)) : printJson(io, s);
  const where = out === undefined ? '' : ` to ${out}`;
  io.err(
    `exported ${s.rows.toLocaleString('en')} of ${s.members.toLocaleString('en')} customers (${s.format}: ${s.columns.join(', ')}) as of ${s.as_of}${where}`,
  );
  const { no_consent, no_contact } = s.left_out;
  if (no_consent + no_contact > 0)
    io.err(
      `left out ${(no_consent + no_contact).toLocaleString('en')}: ${no_consent.toLocaleString('en')} without email or SMS marketing consent for the email or phone they have, ` +
        `${no_contact.toLocaleString('en')} with neither an email nor a phone`,
    );
}

async function runExport(
  io: Io,
  g: GlobalOptions,
  target: SegmentChoice | 'profiles',
  opts: ExportOptions,
): Promise<void> {
  const ask = { ...exportAsk(opts), ...(opts.out !== undefined ? { saveAs: opts.out } : {}) };
  if (opts.out !== undefined) {
    // Said before the store does any work: a file cannot be written where no folder is.
    const folder = dirname(resolve(opts.out));
    if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory())
      throw new AppError('not_found', `cannot write ${opts.out}: there is no folder ${folder}`, [
        { where: opts.out, message: 'no such folder' },
      ]);
    if (statSync(opts.out, { throwIfNoEntry: false })?.isDirectory())
      throw new AppError('invalid', `cannot write ${opts.out}: it is a folder`, [
        { where: opts.out, message: 'a folder' },
      ]);
  } else {
    if (ask.format === 'parquet' && io.outIsTerminal)
      throw new AppError('invalid', 'Parquet is a binary file: give --out <file> or redirect standard output');
    if (!io.write) throw new AppError('internal', 'this output cannot take a file: give --out <file>');
  }
  await onBackend(io, g, async (b) => {
    const stream = await b.exportSegment(target, ask);
    try {
      await writeFile(io, stream, opts.out);
    } catch (e) {
      await stream.discard();
      throw e;
    }
    report(io, g, stream, opts.out);
  });
}

const FORMAT_HELP = `csv, jsonl, parquet, or an ad platform's custom audience: meta, google (hashed; consent applies)`;
const COLUMNS_HELP =
  'columns, comma-separated: customer_id, first_name, last_name, email_consent, sms_consent, whatsapp_consent and the fields segments read';

function exportOptions(c: Command): Command {
  return c
    .option('--format <format>', FORMAT_HELP, 'csv')
    .option(
      '--columns <list>',
      `${COLUMNS_HELP} (default: customer_id,email,phone,first_name,last_name,country,total_spent,order_count,last_order_at)`,
    )
    .option('--out <file>', 'write the file here (default: standard output)')
    .option('--as-of <time>', "evaluate as of this time (default: the profiles' as-of time)");
}

export function registerSegmentExport(segment: Command, io: Io, globals: () => GlobalOptions): void {
  exportOptions(
    segment
      .command('export')
      .description(
        "write a segment's members as a file, with the columns asked for, or as an ad platform's custom audience",
      )
      .argument('[query]', 'segment query')
      .option('--ready <id>', 'a ready segment instead of a query')
      .option('--param <name=value>', 'a ready segment parameter (repeatable)', collect, [])
      .option('--saved <name>', 'a saved segment (name or id) instead of a query'),
  ).action(async (query: string | undefined, opts: SegmentOptions & ExportOptions) => {
    await runExport(io, globals(), await segmentChoice(query, opts), opts);
  });
}

export function registerProfilesExport(profiles: Command, io: Io, globals: () => GlobalOptions): void {
  exportOptions(
    profiles.command('export').description('write every customer profile as a file, with the columns asked for'),
  ).action(async (opts: ExportOptions) => {
    await runExport(io, globals(), 'profiles', opts);
  });
}
