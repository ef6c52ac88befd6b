import {
  AppError,
  TagAssignment,
  TagSource,
  type Clock,
  type SqlRunner,
  type StoreReader,
  type StoreWriter,
} from '@strata/core';

/*
 * Tags a person adds and removes by hand (`strata tag add/remove`, `/v1/customers/:id/tags`),
 * beside the tags imports and questionnaires give. Both go through the store's write path, so
 * the live engine re-evaluates the customer and `has tag "…"` segments follow at once.
 */

export interface CustomerTag {
  tag: string;
  /** manual (a person, an import) or rule (a questionnaire's option). */
  source: string;
  /** Who assigned it: `api`, `cli`, `import`, `questionnaire <id>`. */
  assigned_by: string;
  assigned_at: string;
}

export interface TagDeps {
  store: StoreReader & SqlRunner;
  writer: StoreWriter;
  clock: Clock;
}

/** The customer `id` names (who they were merged into, if they were); not_found naming the id otherwise. */
export async function knownCustomer(store: StoreReader, id: string): Promise<string> {
  const found = id.trim() === '' ? undefined : await store.resolveCustomer({ id });
  if (found === undefined) throw new AppError('not_found', `no customer "${id}"`);
  return found;
}

const tagText = TagAssignment.shape.tag;

/**
 * Tags as the store keeps them (trimmed, 1–100 characters), each once; a bad one is invalid,
 * named by its field (`tags[2]`, or `field` alone for one tag).
 */
export function checkedTags(tags: readonly unknown[], field = 'tags'): string[] {
  if (tags.length === 0)
    throw new AppError('invalid', `${field}: give at least one tag`, [{ field, message: 'no tag given' }]);
  const out: string[] = [];
  tags.forEach((t, i) => {
    const r = tagText.safeParse(t);
    const where = tags.length === 1 && field === 'tag' ? field : `${field}[${i}]`;
    if (!r.success) {
      const shown = typeof t === 'string' ? `"${t.slice(0, 120)}"` : JSON.stringify(t);
      const why = typeof t !== 'string' || t.trim() === '' ? 'must be a non-empty text' : r.error.issues[0]?.message;
      throw new AppError('invalid', `${where}: the tag ${shown} ${why ?? 'is not valid'}`, [
        { field: where, message: why ?? 'not valid' },
      ]);
    }
    if (!out.includes(r.data)) out.push(r.data);
  });
  return out;
}

export async function customerTags(db: SqlRunner, customerId: string): Promise<CustomerTag[]> {
  const rows = await db.query<CustomerTag>(
    'SELECT tag, source, assigned_by, assigned_at FROM tags WHERE customer_id = $1 ORDER BY tag',
    [customerId],
  );
  return rows.map((r) => ({ tag: r.tag, source: r.source, assigned_by: r.assigned_by, assigned_at: r.assigned_at }));
}

export interface TagsAnswer {
  customer_id: string;
  tags: CustomerTag[];
}

export async function listTags(deps: Pick<TagDeps, 'store'>, customer: string): Promise<TagsAnswer> {
  const id = await knownCustomer(deps.store, customer);
  return { customer_id: id, tags: await customerTags(deps.store, id) };
}

/** Adds tags by hand; a tag the customer has already keeps who assigned it first. */
export async function addTags(
  deps: TagDeps,
  customer: string,
  tags: readonly unknown[],
  assignedBy: string,
): Promise<TagsAnswer & { added: string[] }> {
  const wanted = checkedTags(tags);
  const id = await knownCustomer(deps.store, customer);
  const had = new Set((await customerTags(deps.store, id)).map((t) => t.tag));
  const at = deps.clock.now().toISOString();
  await deps.writer.write({
    tags: wanted.map((tag) =>
      TagAssignment.parse({ customer_id: id, tag, source: TagSource.manual, assigned_by: assignedBy, assigned_at: at }),
    ),
  });
  return { customer_id: id, added: wanted.filter((t) => !had.has(t)), tags: await customerTags(deps.store, id) };
}

/** That the customer has every one of `tags`; not_found naming the ones they do not have. */
export function checkTagsPresent(customerId: string, current: readonly CustomerTag[], tags: readonly string[]): void {
  const have = new Set(current.map((t) => t.tag));
  const missing = tags.filter((t) => !have.has(t));
  if (!missing.length) return;
  const theirs = current.length ? `their tags: ${current.map((t) => `"${t.tag}"`).join(', ')}` : 'they have no tags';
  throw new AppError(
    'not_found',
    `customer "${customerId}" has no tag ${missing.map((t) => `"${t}"`).join(', ')} (${theirs}); nothing was removed`,
  );
}

/** Removes tags, whoever assigned them; all or nothing: a tag the customer does not have is not_found. */
export async function removeTags(
  deps: TagDeps,
  customer: string,
  tags: readonly unknown[],
): Promise<TagsAnswer & { removed: string[] }> {
  const unwanted = checkedTags(tags, tags.length === 1 ? 'tag' : 'tags');
  const id = await knownCustomer(deps.store, customer);
  checkTagsPresent(id, await customerTags(deps.store, id), unwanted);
  await deps.writer.write({ tag_removals: unwanted.map((tag) => ({ customer_id: id, tag })) });
  return { customer_id: id, removed: unwanted, tags: await customerTags(deps.store, id) };
}
