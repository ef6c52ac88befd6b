import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '@strata/core';
import { WebhookSecret, type GeneratedKeyName, type KeyName } from '@strata/api';

/**
 * The server's three keys, and where each is kept.
 *
 * The write key and the API key are made here and kept in the store only as their SHA-256: shown
 * once when made (the first `strata serve`/`npm start`, or `strata keys rotate`), never again. The
 * webhook secret is Shopify's (it signs the webhooks it sends), so Strata is given it
 * (`strata keys set webhook-secret`) and must keep it as it is to check signatures: it stays in
 * the store, which is owner-only (0600) like its write-ahead log.
 *
 * Why SHA-256 and not a slow KDF (scrypt, Argon2): every stored key is 32 random bytes made here,
 * so finding one from its hash is infeasible however fast the hash is. A slow KDF protects
 * passwords people choose, and would cost every `/v1/batch` call its work factor, a lever for
 * anyone who can send requests. Keys a person chooses (the STRATA_* variables) are never stored.
 */

/** The keys as options and the environment give them (plain; never written to the store). */
export interface AppKeys {
  /** Segment-spec write key (HTTP Basic user name). */
  writeKey: string;
  /** Admin API key (Bearer) for imports and management. */
  apiKey: string;
  /** Shopify's signing secret for the order webhook's HMAC-SHA256 signature. */
  webhookSecret: string;
}

const field: Record<KeyName, keyof AppKeys> = {
  'write-key': 'writeKey',
  'api-key': 'apiKey',
  'webhook-secret': 'webhookSecret',
};
/** The environment variable that overrides each key (the store's is then not used). */
export const keyVariable: Record<KeyName, string> = {
  'write-key': 'STRATA_WRITE_KEY',
  'api-key': 'STRATA_API_KEY',
  'webhook-secret': 'STRATA_WEBHOOK_SECRET',
};
export const keyTitle: Record<KeyName, string> = {
  'write-key': 'write key',
  'api-key': 'API key',
  'webhook-secret': 'webhook secret',
};
/** The settings row of each key. The store's migration 6 hashes rows of this form that were plain. */
const setting = (name: KeyName) => `key.${field[name]}`;

/** Where Shopify shows the secret, said wherever Strata asks for it. */
export const webhookSecretHelp =
  'Shopify makes the signing secret: in the Shopify admin, Settings → Notifications → Webhooks, create an ' +
  '"Order creation" webhook (JSON) whose URL is the public HTTPS address of this server with the path ' +
  '/v1/webhooks/shopify/orders; the page then says "Your webhooks will be signed with …". Give that secret ' +
  "to Strata with `strata keys set webhook-secret`. (Webhooks of a Shopify app are signed with the app's client secret instead.)";

/** A stored key: its SHA-256 in hex; `was_plain` when migration 6 hashed a key kept in plain text before. */
const StoredKeyHash = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  was_plain: z.literal(true).exactOptional(),
});

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();
/** What the store keeps of a key made here. */
export const hashKey = (key: string): string => digest(key).toString('hex');
/** 256 random bits, URL-safe (43 characters). */
const newKey = () => randomBytes(32).toString('base64url');

/** What the key ring needs of a store. */
export interface SettingsStore {
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
}

export type KeySource = 'store' | 'environment' | 'options';

/** How a key stands, for `strata serve` to say (never the key itself, except `created`). */
export interface KeyStatus {
  name: KeyName;
  /** Absent: not set (only the webhook secret can be). */
  source?: KeySource;
  /** Made at this start: the only time it is shown. */
  created?: string;
  /** Kept in plain text before migration 6: copies of the store made before still hold it. */
  wasPlain: boolean;
}

interface Verifier {
  hash: Buffer;
  source: KeySource;
  wasPlain: boolean;
}

async function storedHash(
  store: SettingsStore,
  name: GeneratedKeyName,
): Promise<{ hash: Buffer; wasPlain: boolean } | undefined> {
  const raw = await store.getSetting(setting(name));
  if (raw === undefined) return undefined;
  const json = (): unknown => {
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  };
  const parsed = StoredKeyHash.safeParse(json());
  if (!parsed.success)
    throw new AppError(
      'internal',
      `the store's ${keyTitle[name]} is not a key hash: run \`strata keys rotate ${name}\` to make a new key`,
    );
  return { hash: Buffer.from(parsed.data.sha256, 'hex'), wasPlain: parsed.data.was_plain === true };
}

/** Makes a new key, keeps its hash in the store and returns it: the caller shows it once. */
export async function rotateStoredKey(store: SettingsStore, name: GeneratedKeyName): Promise<string> {
  const key = newKey();
  await store.setSetting(setting(name), JSON.stringify({ sha256: hashKey(key) }));
  return key;
}

/** Checks and keeps Shopify's signing secret; returns it as kept (trimmed). */
export async function setStoredWebhookSecret(store: SettingsStore, secret: string): Promise<string> {
  const parsed = WebhookSecret.safeParse(secret);
  if (!parsed.success)
    throw new AppError('invalid', `the webhook secret ${parsed.error.issues[0]?.message ?? 'is not valid'}`, [
      { field: 'secret', message: parsed.error.issues[0]?.message ?? 'not valid' },
    ]);
  await store.setSetting(setting('webhook-secret'), parsed.data);
  return parsed.data;
}

/**
 * The keys a running server checks requests against. Rotating goes through it, so the old key
 * stops working at the moment the new one is made.
 */
export class KeyRing {
  /**
   * A key for this server run only, accepted as the API key: the server writes it to the
   * owner-only `<db>.server.json` so commands on this machine can go through the server (it cannot
   * give them the API key: it keeps only the hash). It dies with the server.
   */
  readonly sessionKey = newKey();
  private readonly sessionHash = digest(this.sessionKey);

  private constructor(
    private readonly store: SettingsStore,
    private readonly verifiers: Record<GeneratedKeyName, Verifier>,
    private webhook: { secret?: string; source?: KeySource },
    private readonly made: Partial<Record<GeneratedKeyName, string>>,
  ) {}

  /**
   * Each key from `given` (options), else its STRATA_* variable, else the store; a write key or
   * API key the store does not have yet is made now (and shown by `status()` this once).
   */
  static async open(
    store: SettingsStore,
    given: Partial<AppKeys> = {},
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<KeyRing> {
    const fromOutside = (name: KeyName): { value: string; source: KeySource } | undefined => {
      const option = given[field[name]];
      if (option) return { value: option, source: 'options' };
      const variable = env[keyVariable[name]];
      return variable ? { value: variable, source: 'environment' } : undefined;
    };
    const made: Partial<Record<GeneratedKeyName, string>> = {};
    const verifier = async (name: GeneratedKeyName): Promise<Verifier> => {
      const outside = fromOutside(name);
      if (outside) return { hash: digest(outside.value), source: outside.source, wasPlain: false };
      const stored = await storedHash(store, name);
      if (stored) return { ...stored, source: 'store' };
      const key = await rotateStoredKey(store, name);
      made[name] = key;
      return { hash: digest(key), source: 'store', wasPlain: false };
    };
    const verifiers = { 'write-key': await verifier('write-key'), 'api-key': await verifier('api-key') };
    const outside = fromOutside('webhook-secret');
    const storedSecret = outside ? undefined : await store.getSetting(setting('webhook-secret'));
    const webhook = outside
      ? { secret: outside.value, source: outside.source }
      : storedSecret
        ? { secret: storedSecret, source: 'store' as const }
        : {};
    return new KeyRing(store, verifiers, webhook, made);
  }

  /** Whether `given` is the key `name` (for the API key, the session key too); constant time in the key. */
  accepts(name: GeneratedKeyName, given: string): boolean {
    const hash = digest(given);
    const isKey = timingSafeEqual(hash, this.verifiers[name].hash);
    const isSession = name === 'api-key' && timingSafeEqual(hash, this.sessionHash);
    return isKey || isSession;
  }

  /** Shopify's signing secret, or undefined while none is set. */
  get webhookSecret(): string | undefined {
    return this.webhook.secret;
  }

  /** A new key in place of the old one, which is refused from now on. */
  async rotate(name: GeneratedKeyName): Promise<string> {
    const v = this.verifiers[name];
    if (v.source !== 'store') throw this.fromOutsideError(name, v.source);
    const key = await rotateStoredKey(this.store, name);
    this.verifiers[name] = { hash: digest(key), source: 'store', wasPlain: false };
    delete this.made[name];
    return key;
  }

  async setWebhookSecret(secret: string): Promise<void> {
    if (this.webhook.source === 'environment' || this.webhook.source === 'options')
      throw this.fromOutsideError('webhook-secret', this.webhook.source);
    this.webhook = { secret: await setStoredWebhookSecret(this.store, secret), source: 'store' };
  }

  /** Each key's standing; a key made at this start comes with its value, the one time it is shown. */
  status(): KeyStatus[] {
    const generated = (['write-key', 'api-key'] as const).map((name): KeyStatus => {
      const v = this.verifiers[name];
      const created = this.made[name];
      return { name, source: v.source, wasPlain: v.wasPlain, ...(created ? { created } : {}) };
    });
    const secret: KeyStatus = {
      name: 'webhook-secret',
      wasPlain: false,
      ...(this.webhook.source ? { source: this.webhook.source } : {}),
    };
    return [...generated, secret];
  }

  private fromOutsideError(name: KeyName, source: KeySource): AppError {
    const where = source === 'environment' ? `the variable ${keyVariable[name]}` : 'the options it was started with';
    return new AppError(
      'conflict',
      `this server's ${keyTitle[name]} comes from ${where}, not the store: change it there and restart the server`,
    );
  }
}
