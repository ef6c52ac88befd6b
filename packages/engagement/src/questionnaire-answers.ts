import { createHash } from 'node:crypto';
import {
  AppError,
  Event,
  EventType,
  TagAssignment,
  TagSource,
  type Clock,
  type ErrorDetail,
  type Questionnaire,
  type SqlRunner,
  type StoreWriter,
} from '@strata/core';
import { readToken, signToken, TokenPurpose } from './signed-tokens.js';

/*
 * A questionnaire's per-recipient link and what answering it records. Each question answered is
 * one questionnaire_answer event (`questionnaire`, `question` and `option` ids, and the send id
 * when the link came in a message) whose message id is made of the questionnaire, customer and
 * question: answering again replaces that event (the new option, the new time) rather than
 * adding a second one, so `did questionnaire_answer where option = "dry"` describes the answer
 * the customer gives now. The chosen options' tags are added; tags of options no longer chosen
 * are taken back, but only those this questionnaire gave (never one set by hand or by import).
 */

export interface QuestionnaireLink {
  questionnaireId: string;
  customerId: string;
  /** The message that carried the link (a campaign's send id). */
  sendId?: string;
}

export function questionnaireToken(secret: string, link: QuestionnaireLink): string {
  return signToken(secret, TokenPurpose.questionnaire, {
    q: link.questionnaireId,
    c: link.customerId,
    ...(link.sendId !== undefined ? { s: link.sendId } : {}),
  });
}

/** The page of a questionnaire for one recipient: `<baseUrl>/q/<token>`. */
export function questionnaireLink(secret: string, link: QuestionnaireLink & { baseUrl: string }): string {
  const { baseUrl, ...rest } = link;
  return `${baseUrl.replace(/\/+$/, '')}/q/${questionnaireToken(secret, rest)}`;
}

/** The link a token stands for; undefined when it is not one of this store's questionnaire links. */
export function readQuestionnaireToken(secret: string, token: string): QuestionnaireLink | undefined {
  const claim = readToken(secret, TokenPurpose.questionnaire, token);
  if (!claim || typeof claim.q !== 'string' || typeof claim.c !== 'string' || !claim.q || !claim.c) return undefined;
  return {
    questionnaireId: claim.q,
    customerId: claim.c,
    ...(typeof claim.s === 'string' ? { sendId: claim.s } : {}),
  };
}

/** One customer's answer to one question of one questionnaire: the same message id every time. */
export const answerMessageId = (questionnaireId: string, customerId: string, questionId: string): string =>
  `questionnaire_answer:${createHash('sha256')
    .update(JSON.stringify([questionnaireId, customerId, questionId]))
    .digest('base64url')
    .slice(0, 32)}`;

/** Question id → option id. */
export type Answers = Record<string, string>;

/** The answers the customer has given so far (to questions the questionnaire still asks). */
export async function currentAnswers(db: SqlRunner, q: Questionnaire, customerId: string): Promise<Answers> {
  const ids = q.questions.map((question) => answerMessageId(q.id, customerId, question.id));
  const rows = await db.query<{ properties: string }>(
    `SELECT properties FROM events WHERE type = $1 AND message_id IN (${ids.map((_, i) => `$${i + 2}`).join(', ')})`,
    [EventType.questionnaire_answer, ...ids],
  );
  const answers: Answers = {};
  for (const r of rows) {
    const p = JSON.parse(r.properties) as { question?: unknown; option?: unknown };
    if (typeof p.question === 'string' && typeof p.option === 'string') answers[p.question] = p.option;
  }
  return answers;
}

/**
 * The answers a form sends (`<question id>=<option id>`), checked against the questionnaire:
 * each mistake names the question. At least one question must be answered.
 */
export function parseAnswers(q: Questionnaire, form: URLSearchParams): { answers: Answers; errors: ErrorDetail[] } {
  const answers: Answers = {};
  const errors: ErrorDetail[] = [];
  for (const [key, value] of form) {
    const question = q.questions.find((x) => x.id === key);
    if (!question) {
      errors.push({ field: key, message: `this questionnaire has no question "${key.slice(0, 64)}"` });
      continue;
    }
    if (!question.options.some((o) => o.id === value))
      errors.push({ field: key, message: `"${question.text}": "${value.slice(0, 64)}" is not one of its answers` });
    else answers[key] = value;
  }
  if (!errors.length && !Object.keys(answers).length)
    errors.push({ field: q.questions[0]?.id ?? 'answers', message: 'Choose an answer to at least one question.' });
  return { answers, errors };
}

/** Who the tags a questionnaire gives are assigned by (so that only those are ever taken back). */
export const questionnaireAssigner = (questionnaireId: string) => `questionnaire ${questionnaireId}`;

const tagsOf = (q: Questionnaire, answers: Answers): Set<string> =>
  new Set(q.questions.flatMap((question) => question.options.find((o) => o.id === answers[question.id])?.tags ?? []));

export interface AnswerResult {
  answered: number;
  tagsAdded: string[];
  tagsRemoved: string[];
}

/** Records the answers (checked by parseAnswers) and their tags in one write. */
export async function recordAnswers(
  deps: { db: SqlRunner; writer: StoreWriter; clock: Clock },
  q: Questionnaire,
  link: QuestionnaireLink,
  answers: Answers,
): Promise<AnswerResult> {
  if (link.questionnaireId !== q.id) throw new AppError('internal', 'the link is for another questionnaire');
  const at = deps.clock.now().toISOString();
  const before = await currentAnswers(deps.db, q, link.customerId);
  const after: Answers = { ...before, ...answers };
  const had = tagsOf(q, before);
  const has = tagsOf(q, after);
  const removed = [...had].filter((t) => !has.has(t));
  const assignedBy = questionnaireAssigner(q.id);
  const events = Object.entries(answers).map(([question, option]) =>
    Event.parse({
      message_id: answerMessageId(q.id, link.customerId, question),
      customer_id: link.customerId,
      type: EventType.questionnaire_answer,
      occurred_at: at,
      properties: {
        questionnaire: q.id,
        question,
        option,
        ...(link.sendId !== undefined ? { send_id: link.sendId } : {}),
      },
    }),
  );
  await deps.writer.write({
    event_updates: events,
    tags: [...has].map((tag) =>
      TagAssignment.parse({
        customer_id: link.customerId,
        tag,
        source: TagSource.rule,
        assigned_by: assignedBy,
        assigned_at: at,
      }),
    ),
    ...(removed.length
      ? { tag_removals: removed.map((tag) => ({ customer_id: link.customerId, tag, assigned_by: assignedBy })) }
      : {}),
  });
  return { answered: events.length, tagsAdded: [...has].filter((t) => !had.has(t)), tagsRemoved: removed };
}
