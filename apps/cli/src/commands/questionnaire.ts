import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AppError } from '@strata/core';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';

/** A JSON file's value; a missing file or bad JSON named with where it is wrong. */
async function readJsonFile(file: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('not_found', `no file ${file}`);
    throw new AppError('invalid', `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { parseJsonText } = await import('@strata/ingest');
  const r = parseJsonText(bytes);
  if (r.ok) return r.value;
  const where = r.line !== undefined ? `:${r.line}:${r.column ?? 1}` : '';
  throw new AppError('invalid', `${file}${where}: ${r.message}`, [
    { where: file, ...(r.line !== undefined ? { line: r.line } : {}), message: r.message },
  ]);
}

/**
 * `strata questionnaire create <file.json>` stores a questionnaire (docs/engagement.md shows
 * one); `strata questionnaire link <id> <customer>` prints a customer's own link to its page.
 */
export function registerQuestionnaire(program: Command, io: Io, globals: () => GlobalOptions): void {
  const questionnaire = program
    .command('questionnaire')
    .description('questionnaires served as a public page; answers become questionnaire_answer events and tags');

  questionnaire
    .command('create')
    .description('store a questionnaire from a JSON file (id, title, questions with options; an option may add tags)')
    .argument('<file>', 'the questionnaire, as JSON')
    .option('--replace', 'replace a questionnaire with the same id (answers given before are kept)', false)
    .action(async (file: string, opts: { replace: boolean }) => {
      const g = globals();
      const definition = await readJsonFile(file);
      const r = await withBackend(io, g, (b) => b.saveQuestionnaire(definition, opts.replace));
      if (g.json) return printJson(io, r);
      const q = r.questionnaire;
      io.out(
        `questionnaire "${q.id}" ${r.created ? 'created' : 'replaced'}: ${q.questions.length} question${q.questions.length === 1 ? '' : 's'}; make a customer's link with \`strata questionnaire link ${q.id} <customer>\``,
      );
    });

  questionnaire
    .command('link')
    .description("print a customer's own link to a questionnaire's page")
    .argument('<id>', 'questionnaire id')
    .argument('<customer>', 'customer id')
    .option('--send-id <id>', 'the message the link goes out in (recorded with the answers)')
    .action(async (id: string, customer: string, opts: { sendId?: string }) => {
      const g = globals();
      const r = await withBackend(io, g, (b) => b.questionnaireLink(id, customer, opts.sendId));
      if (r.warning) io.err(`warning: ${r.warning}`);
      if (g.json) return printJson(io, r);
      io.out(r.url);
    });
}
