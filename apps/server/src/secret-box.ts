import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '@strata/core';

/**
 * Secrets Strata must be able to use again (a channel's SMTP password, Twilio auth token, WhatsApp
 * access token), kept encrypted in the store with AES-256-GCM under a key that is not in the
 * store: `STRATA_SECRET_KEY` (32 bytes, base64 or hex) when set, else the key file beside the
 * store, `<db>.secret-key`, made owner-only (0600) the first time a secret is kept. A copy of the
 * store alone (a backup, a file sent for support) then reveals no secret.
 *
 * Each sealed value names the key it was sealed with (a short fingerprint, not the key), so a
 * wrong key is told apart from a damaged value, and is bound to where it is kept (`channel.sms.
 * authToken` as GCM's additional data), so a value moved to another setting does not open.
 */

export const SECRET_KEY_VARIABLE = 'STRATA_SECRET_KEY';
export const secretKeyFilePath = (dbPath: string) => `${dbPath}.secret-key`;

const PREFIX = 'enc:v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const makeKeyHelp = 'make one with `openssl rand -base64 32`';

const keyIdOf = (key: Buffer) =>
  createHash('sha256').update('strata secret key id\0').update(key).digest('hex').slice(0, 12);

/** True for a value `SecretBox.seal` made. */
export const isSealed = (value: unknown): value is string => typeof value === 'string' && value.startsWith(PREFIX);

function keyFromText(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== KEY_BYTES || (!/^[0-9a-fA-F]{64}$/.test(t) && !/^[A-Za-z0-9+/_-]{43}=?$/.test(t)))
    throw new AppError(
      'invalid',
      `${where} is not a secret key: it must be 32 bytes in base64 or hex (${makeKeyHelp})`,
    );
  return key;
}

interface LoadedKey {
  key: Buffer;
  id: string;
  /** `STRATA_SECRET_KEY` or `the key file <path>`, for messages. */
  where: string;
}

/** The store's secret key, from the environment or its key file, loaded when first needed. */
export class SecretBox {
  private loaded: LoadedKey | undefined;
  readonly keyFile: string;

  constructor(
    dbPath: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.keyFile = secretKeyFilePath(resolve(dbPath));
  }

  /** Where the key comes from, for messages (`STRATA_SECRET_KEY`, or the key file's path). */
  get keySource(): string {
    return this.env[SECRET_KEY_VARIABLE] ? SECRET_KEY_VARIABLE : `the key file ${this.keyFile}`;
  }

  /** Encrypts `plain`, bound to `context` (where it is kept); makes the key file if there is no key yet. */
  seal(plain: string, context: string): string {
    const { key, id } = this.key(true)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const b64 = (b: Buffer) => b.toString('base64url');
    return `${PREFIX}${id}:${b64(iv)}:${b64(data)}:${b64(cipher.getAuthTag())}`;
  }

  /**
   * The plain text of a sealed value. AppError `unavailable` when the key is missing or is not
   * the one it was sealed with (both name where the key should be); `internal` when the value
   * was altered.
   */
  open(sealed: string, context: string): string {
    const [id, iv, data, tag, extra] = sealed.slice(PREFIX.length).split(':');
    if (!isSealed(sealed) || !id || iv === undefined || data === undefined || !tag || extra !== undefined)
      throw new AppError('internal', `${context}: the stored value is not an encrypted secret Strata made`);
    const loaded = this.key(false);
    if (!loaded)
      throw new AppError(
        'unavailable',
        `${context} is encrypted with this store's secret key, which is missing: there is no key file ${this.keyFile} and ${SECRET_KEY_VARIABLE} is not set. Put back the key file that was made with the store (or set ${SECRET_KEY_VARIABLE} to its key), or set the channel again`,
        [{ where: this.keyFile, message: 'missing' }],
      );
    if (id !== loaded.id)
      throw new AppError(
        'unavailable',
        `${context} was encrypted with another secret key (id ${id}) than ${loaded.where} holds (id ${loaded.id}): use the key the store was set up with, or set the channel again`,
        [{ where: loaded.where, message: `key id ${loaded.id}, expected ${id}` }],
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', loaded.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch (e) {
      throw new AppError(
        'internal',
        `${context} cannot be decrypted with ${loaded.where}: the stored value was altered or moved from another setting`,
        [],
        { cause: e },
      );
    }
  }

  private key(create: boolean): LoadedKey | undefined {
    if (this.loaded) return this.loaded;
    const fromEnv = this.env[SECRET_KEY_VARIABLE];
    let key: Buffer | undefined;
    if (fromEnv) key = keyFromText(fromEnv, SECRET_KEY_VARIABLE);
    else key = this.readKeyFile() ?? (create ? this.makeKeyFile() : undefined);
    if (!key) return undefined;
    this.loaded = { key, id: keyIdOf(key), where: this.keySource };
    return this.loaded;
  }

  private readKeyFile(): Buffer | undefined {
    let text: string;
    try {
      text = readFileSync(this.keyFile, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new AppError('unavailable', `the secret key file ${this.keyFile} cannot be read: ${(e as Error).message}`);
    }
    // As the store file itself (makeOwnerOnly): a key file left readable by others is closed.
    try {
      if ((statSync(this.keyFile).mode & 0o077) !== 0) chmodSync(this.keyFile, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
    }
    return keyFromText(text, `the key file ${this.keyFile}`);
  }

  /** A new random key in a new owner-only file; a file another process made meanwhile wins. */
  private makeKeyFile(): Buffer {
    const key = randomBytes(KEY_BYTES);
    try {
      writeFileSync(this.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      return key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return this.readKeyFile()!;
      throw new AppError('unavailable', `the secret key file ${this.keyFile} cannot be made: ${(e as Error).message}`);
    }
  }
}
