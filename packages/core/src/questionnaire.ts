/*
 * A questionnaire as the shop defines it (`POST /v1/questionnaires`, `strata questionnaire
 * create`): questions with one answer each, and options that may tag the customer who chooses
 * them. The answers are `questionnaire_answer` events (vocabulary.ts), whose `question` and
 * `option` properties are the ids given here — stable names a segment can use while the wording
 * on the page changes.
 */
import { z } from 'zod';
import { text } from './fields.js';

/** An id people type in segments and files: lower-case letters, digits, `_` and `-`. */
export const QuestionnaireKey = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1–64 lower-case letters, digits, _ or - (e.g. skin_type)');

export const QuestionnaireOption = z.strictObject({
  id: QuestionnaireKey,
  label: text(200),
  /** Tags the customer gets when they choose this option (taken back if they change their answer). */
  tags: z.array(text(100)).max(10).default([]),
});
export type QuestionnaireOption = z.infer<typeof QuestionnaireOption>;

export const QuestionnaireQuestion = z.strictObject({
  id: QuestionnaireKey,
  text: text(500),
  options: z.array(QuestionnaireOption).min(2).max(30),
});
export type QuestionnaireQuestion = z.infer<typeof QuestionnaireQuestion>;

/** Ids that must be unique within their list, each repeat reported at its place. */
function uniqueIds(items: readonly { id: string }[], path: (string | number)[], what: string, ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id))
      ctx.addIssue({ code: 'custom', path: [...path, i, 'id'], message: `${what} "${item.id}" is given twice` });
    seen.add(item.id);
  });
}

export const Questionnaire = z
  .strictObject({
    id: QuestionnaireKey,
    title: text(200),
    /** A line or two shown above the questions. */
    intro: text(2000).exactOptional(),
    questions: z.array(QuestionnaireQuestion).min(1).max(50),
  })
  .superRefine((q, ctx) => {
    uniqueIds(q.questions, ['questions'], 'question id', ctx);
    q.questions.forEach((question, i) => uniqueIds(question.options, ['questions', i, 'options'], 'option id', ctx));
  });
export type Questionnaire = z.infer<typeof Questionnaire>;
export type QuestionnaireInput = z.input<typeof Questionnaire>;
