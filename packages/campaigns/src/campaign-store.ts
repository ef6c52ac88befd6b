import { randomUUID } from 'node:crypto';
import { AppError, type Clock, type SqlRunner } from '@strata/core';
import { CampaignStatus, parseCampaign, type CampaignDefinition } from './campaign-definition.js';
import { checkTemplates } from './template.js';
import { knownTemplateFields } from './template-variables.js';

/** A stored campaign. */
export interface Campaign {
  id: string;
  name: string;
  status: CampaignStatus;
  definition: CampaignDefinition;
  created_at: string;
  updated_at: string;
  started_at: string | null;
}

interface CampaignRow {
  id: string;
  name: string;
  status: string;
  definition: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
}

const toCampaign = (r: CampaignRow): Campaign => ({
  id: r.id,
  name: r.name,
  status: r.status as CampaignStatus,
  definition: parseCampaign(JSON.parse(r.definition)),
  created_at: r.created_at,
  updated_at: r.updated_at,
  started_at: r.started_at,
});

/** Validates a definition and its templates against the store's fields (AppError 'invalid' naming each problem). */
export async function validateCampaign(db: SqlRunner, input: unknown): Promise<CampaignDefinition> {
  const def = parseCampaign(input);
  checkTemplates(def, await knownTemplateFields(db));
  return def;
}

/** Saves a new campaign as a draft (or, for an automation's send step, as standing: see standing-campaign.ts). */
export async function createCampaign(
  db: SqlRunner,
  input: unknown,
  options: { clock: Clock; id?: string; status?: typeof CampaignStatus.draft | typeof CampaignStatus.standing },
): Promise<Campaign> {
  const def = await validateCampaign(db, input);
  const id = options.id ?? `cmp_${randomUUID()}`;
  const at = options.clock.now().toISOString();
  try {
    await db.exec(
      `INSERT INTO campaigns (id, name, definition, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ)`,
      [id, def.name, JSON.stringify(def), options.status ?? CampaignStatus.draft, at],
    );
  } catch (e) {
    if (/constraint/i.test(String(e))) throw new AppError('conflict', `a campaign with id "${id}" exists already`);
    throw e;
  }
  return findCampaign(db, id);
}

/** Replaces a draft's definition (a started campaign keeps what it was started with). */
export async function updateCampaign(
  db: SqlRunner,
  id: string,
  input: unknown,
  options: { clock: Clock },
): Promise<Campaign> {
  const current = await findCampaign(db, id);
  if (current.status !== CampaignStatus.draft)
    throw new AppError('conflict', `campaign "${id}" is ${current.status}: only a draft can be changed`);
  const def = await validateCampaign(db, input);
  await db.exec(`UPDATE campaigns SET name = $2, definition = $3, updated_at = $4::TIMESTAMPTZ WHERE id = $1`, [
    id,
    def.name,
    JSON.stringify(def),
    options.clock.now().toISOString(),
  ]);
  return findCampaign(db, id);
}

export async function findCampaign(db: SqlRunner, id: string): Promise<Campaign> {
  const [row] = await db.query<CampaignRow>(`SELECT * FROM campaigns WHERE id = $1`, [id]);
  if (!row) throw new AppError('not_found', `no campaign "${id}"`);
  return toCampaign(row);
}

export async function listCampaigns(db: SqlRunner): Promise<Campaign[]> {
  return (await db.query<CampaignRow>(`SELECT * FROM campaigns ORDER BY created_at, id`)).map(toCampaign);
}

/** Moves a campaign to `to` when it is in one of `from`; otherwise a conflict naming its status. */
export async function setCampaignStatus(
  db: SqlRunner,
  id: string,
  from: readonly CampaignStatus[],
  to: CampaignStatus,
  at: Date,
): Promise<Campaign> {
  const current = await findCampaign(db, id);
  if (!from.includes(current.status))
    throw new AppError(
      'conflict',
      `campaign "${id}" is ${current.status}; it must be ${from.join(' or ')} to become ${to}`,
    );
  await db.exec(
    `UPDATE campaigns SET status = $2, updated_at = $3::TIMESTAMPTZ,
       started_at = CASE WHEN $2 = '${CampaignStatus.running}' THEN coalesce(started_at, $3::TIMESTAMPTZ) ELSE started_at END
     WHERE id = $1`,
    [id, to, at.toISOString()],
  );
  return { ...current, status: to };
}
