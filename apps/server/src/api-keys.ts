import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { AppError, systemClock, type ApiKeyScope, type Clock } from '@strata/core';
import { ApiKeyCreateRequest, type ApiKeyCreatedResponse, type ApiKeyView } from '@strata/api';
import type { StaffDb } from './staff-directory.js';
import { parseWith } from './staff-directory.js';

/**
 * Scoped API keys (table `api_keys`, migration 13): made by an owner, each `read` or `write`
 * (ApiKeyScope, @strata/core), shown once when made and kept as its SHA-256 (32 random bytes:
 * see keys.ts for why a fast hash is right for keys made here). Revoking keeps the row, so
 * the list can say which key it was. Held in memory once read, like the staff accounts.
 */
const PREFIX = 'sk_';
/** How many characters of a key a list shows (the `sk_` and five of its random ones). */
const SHOWN = PREFIX.length + 5;

interface StoredKey extends ApiKeyView {
  hash: Buffer;
}

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

export class ApiKeyStore {
  private keys: Promise<Map<string, StoredKey>> | undefined;
  private readonly clock: Clock;
  constructor(
    private readonly db: StaffDb,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  private load(): Promise<Map<string, StoredKey>> {
    this.keys ??= this.db
      .query<{
        id: string;
        name: string;
        scope: ApiKeyScope;
        sha256: string;
        prefix: string;
        created: number | bigint;
        created_by: string;
      }>(
        'SELECT id, name, scope, sha256, prefix, epoch_ms(created_at) AS created, created_by FROM api_keys WHERE revoked_at IS NULL',
      )
      .then(
        (rows) =>
          new Map(
            rows.map((r) => [
              r.id,
              {
                id: r.id,
                name: r.name,
                scope: r.scope,
                prefix: r.prefix,
                created_at: new Date(Number(r.created)).toISOString(),
                created_by: r.created_by,
                hash: Buffer.from(r.sha256, 'hex'),
              },
            ]),
          ),
      );
    // a failed read is tried again by the next request, not remembered
    this.keys.catch(() => (this.keys = undefined));
    return this.keys;
  }

  /** The live keys (revoked ones are not listed), never a key itself. */
  async list(): Promise<ApiKeyView[]> {
    return [...(await this.load()).values()]
      .map(view)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  /** A new key: the answer is the only place it is shown. */
  async create(request: { name: string; scope: ApiKeyScope }, createdBy: string): Promise<ApiKeyCreatedResponse> {
    const b = parseWith(ApiKeyCreateRequest, request);
    const keys = await this.load();
    const key = PREFIX + randomBytes(32).toString('base64url');
    const stored: StoredKey = {
      id: randomUUID(),
      name: b.name,
      scope: b.scope,
      prefix: key.slice(0, SHOWN),
      created_at: this.clock.now().toISOString(),
      created_by: createdBy,
      hash: digest(key),
    };
    await this.db.exec(
      'INSERT INTO api_keys (id, name, scope, sha256, prefix, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [stored.id, stored.name, stored.scope, stored.hash.toString('hex'), stored.prefix, stored.created_at, createdBy],
    );
    keys.set(stored.id, stored);
    return { ...view(stored), key };
  }

  /** The key stops working at once. */
  async revoke(id: string): Promise<void> {
    const keys = await this.load();
    if (!keys.has(id)) throw new AppError('not_found', `no API key with id ${id} (revoked keys are not listed)`);
    await this.db.exec('UPDATE api_keys SET revoked_at = $2 WHERE id = $1', [id, this.clock.now().toISOString()]);
    keys.delete(id);
  }

  /** The live key `given` is, if it is one (only keys starting `sk_` are looked up). */
  async find(given: string): Promise<ApiKeyView | undefined> {
    if (!given.startsWith(PREFIX)) return undefined;
    const hash = digest(given);
    for (const k of (await this.load()).values()) if (timingSafeEqual(hash, k.hash)) return view(k);
    return undefined;
  }
}

const view = ({ hash: _hash, ...k }: StoredKey): ApiKeyView => k;
