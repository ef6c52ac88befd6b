import { AppError, Questionnaire, type SqlRunner } from '@strata/core';

/*
 * Questionnaire definitions, kept in the store (migration 10). Answers are not kept here: they
 * are questionnaire_answer events, and the options' tags are tags.
 */

/** A definition checked with the core schema; each mistake named by its path (`questions.1.options.0.id`). */
export function parseQuestionnaire(input: unknown, where = 'the questionnaire'): Questionnaire {
  const r = Questionnaire.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ field: i.path.join('.') || '(questionnaire)', message: i.message }));
  throw new AppError(
    'invalid',
    `${where} is not valid: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    issues,
  );
}

export interface QuestionnaireSummary {
  id: string;
  title: string;
  questions: number;
  created_at: string;
  updated_at: string;
}

export async function findQuestionnaire(db: SqlRunner, id: string): Promise<Questionnaire | undefined> {
  const [row] = await db.query<{ definition: string }>('SELECT definition FROM questionnaires WHERE id = $1', [id]);
  return row ? Questionnaire.parse(JSON.parse(row.definition)) : undefined;
}

export async function getQuestionnaire(db: SqlRunner, id: string): Promise<Questionnaire> {
  const q = await findQuestionnaire(db, id);
  if (!q) throw new AppError('not_found', `no questionnaire "${id}"`);
  return q;
}

/**
 * Stores a new questionnaire (`replace`: or a new version of one; answers given before keep the
 * question and option ids they were given with). A new one whose id is taken is a conflict.
 */
export async function saveQuestionnaire(
  db: SqlRunner,
  input: unknown,
  options: { now: Date; replace?: boolean; where?: string },
): Promise<{ questionnaire: Questionnaire; created: boolean }> {
  const q = parseQuestionnaire(input, options.where);
  const now = options.now.toISOString();
  return db.transaction(async (tx) => {
    const exists = (await tx.query('SELECT 1 FROM questionnaires WHERE id = $1', [q.id])).length > 0;
    if (exists && !options.replace)
      throw new AppError('conflict', `a questionnaire "${q.id}" exists already; replace it to change it`, [
        { field: 'id', message: 'taken' },
      ]);
    if (exists)
      await tx.exec('UPDATE questionnaires SET title = $2, definition = $3, updated_at = $4 WHERE id = $1', [
        q.id,
        q.title,
        JSON.stringify(q),
        now,
      ]);
    else
      await tx.exec(
        'INSERT INTO questionnaires (id, title, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)',
        [q.id, q.title, JSON.stringify(q), now],
      );
    return { questionnaire: q, created: !exists };
  });
}

export async function listQuestionnaires(db: SqlRunner): Promise<QuestionnaireSummary[]> {
  const rows = await db.query<{
    id: string;
    title: string;
    definition: string;
    created_at: string;
    updated_at: string;
  }>('SELECT id, title, definition, created_at, updated_at FROM questionnaires ORDER BY id');
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    questions: Questionnaire.parse(JSON.parse(r.definition)).questions.length,
    created_at: r.created_at,
    updated_at: r.updated_at,
  }));
}
