import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { exitCodeOf, systemClock, toAppError, type Clock } from '@strata/core';
import { DEFAULT_DB, type GlobalOptions, type Io } from './context.js';
import { registerDemo } from './commands/demo.js';
import { registerImport } from './commands/import.js';
import { registerConfig } from './commands/config.js';
import { registerKeys } from './commands/keys.js';
import { registerStaff } from './commands/staff.js';
import { registerServe } from './commands/serve.js';
import { registerStart } from './commands/start.js';
import { registerStats } from './commands/stats.js';
import { registerSegment } from './commands/segment.js';
import { registerProfiles } from './commands/profiles.js';
import { registerModels } from './commands/models.js';
import { registerFields } from './commands/fields.js';
import { registerChannel } from './commands/channel.js';
import { registerTag } from './commands/tag.js';
import { registerQuestionnaire } from './commands/questionnaire.js';
import { registerContent } from './commands/content.js';
import { registerCampaign, registerCoupons } from './commands/campaign.js';
import { registerReport } from './commands/report.js';
import { registerAutomation } from './commands/automation.js';

/** The first line of standard input; on a terminal, typed without echo (readline writes its echo to nowhere). */
async function readSecretLine(prompt: string): Promise<string | undefined> {
  const terminal = Boolean(process.stdin.isTTY);
  if (terminal) process.stderr.write(prompt);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({ input: process.stdin, output: silent, terminal });
  // Ctrl-C at the prompt ends the input (readline would only pause it in raw mode).
  lines.on('SIGINT', () => lines.close());
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
    if (terminal) process.stderr.write('\n');
  }
}

/** Writes to standard output, waiting while its buffer is full (a slow pipe keeps memory flat). */
const writeStdout = (chunk: Uint8Array): Promise<void> =>
  new Promise((resolve, reject) => {
    if (process.stdout.write(chunk, (e) => (e ? reject(e) : undefined))) resolve();
    else process.stdout.once('drain', resolve);
  });

export const defaultIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  interactive: Boolean(process.stderr.isTTY),
  readSecretLine,
  write: writeStdout,
  outIsTerminal: Boolean(process.stdout.isTTY),
};

export interface RunOptions {
  clock?: Clock;
}

export function buildProgram(io: Io, options: RunOptions = {}): Command {
  const clock = options.clock ?? systemClock;
  const program = new Command('strata')
    .description('Strata: customer segmentation and targeted outreach for online and retail stores')
    .option('--db <path>', 'the store file (DuckDB)', DEFAULT_DB)
    .option('--json', 'machine-readable output', false)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const globals = (): GlobalOptions => ({ ...program.opts<Omit<GlobalOptions, 'clock'>>(), clock });
  registerDemo(program, io, globals);
  registerImport(program, io, globals);
  registerConfig(program, io, globals);
  registerServe(program, io, globals);
  registerStart(program, io, globals);
  registerStats(program, io, globals);
  registerKeys(program, io, globals);
  registerStaff(program, io, globals);
  registerProfiles(program, io, globals);
  registerSegment(program, io, globals);
  registerFields(program, io, globals);
  registerModels(program, io, globals);
  registerChannel(program, io, globals);
  registerTag(program, io, globals);
  registerContent(program, io, globals);
  registerQuestionnaire(program, io, globals);
  registerCampaign(program, io, globals);
  registerCoupons(program, io, globals);
  registerReport(program, io, globals);
  registerAutomation(program, io, globals);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/**
 * Runs the CLI and returns the exit code. The one place errors become exit codes:
 * 0 ok, 64 usage, 65 bad input, 66 missing file, 69 unavailable, 70 internal, 75 store busy, 77 unauthorized.
 */
export async function run(argv: readonly string[], io: Io = defaultIo, options: RunOptions = {}): Promise<number> {
  const program = buildProgram(io, options);
  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command that finished but has something to report (rejected rows) sets process.exitCode.
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 64; // EX_USAGE
    }
    const err = toAppError(e);
    io.err(`error: ${err.message}`);
    for (const d of err.details)
      if (d.message !== err.message && d.where === undefined) io.err(`  ${d.field ? `${d.field}: ` : ''}${d.message}`);
    if (err.kind === 'internal' && process.env.STRATA_DEBUG) io.err(String((e as Error).stack));
    return exitCodeOf[err.kind];
  }
}
