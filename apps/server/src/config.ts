/*
 * The store's own settings that people set once (`strata config set currency GBP`, or
 * `PUT /v1/config/currency`): kept in the store's settings table, each checked by its schema
 * (the settings themselves are @strata/core's configSettings).
 */
import {
  AppError,
  closest,
  configNames,
  configSettings,
  guardrailSettings,
  type ConfigName,
  type ImportDefaults,
} from '@strata/core';
import { profileConfigFrom, profileSettings } from '@strata/profiles';
import type { SettingsStore } from './keys.js';

const settingKey = (name: ConfigName) => `config.${name}`;

function nameOf(name: string): ConfigName {
  if ((configNames as string[]).includes(name)) return name as ConfigName;
  const guess = closest(name, configNames);
  throw new AppError(
    'invalid',
    `unknown setting "${name}"${guess ? `; did you mean "${guess}"?` : ''} (settings: ${configNames.join(', ')})`,
  );
}

/** Every setting that has a value. */
export async function readConfig(store: SettingsStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of configNames) {
    const v = await store.getSetting(settingKey(name));
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Checks and stores a setting; returns every setting. */
export async function setConfig(store: SettingsStore, name: string, value: string): Promise<Record<string, string>> {
  const key = nameOf(name);
  const parsed = configSettings[key].schema.safeParse(value);
  if (!parsed.success || parsed.data === undefined)
    throw new AppError('invalid', `${key}: ${parsed.success ? 'a value is needed' : parsed.error.issues[0]?.message}`, [
      { field: key, message: parsed.success ? 'a value is needed' : (parsed.error.issues[0]?.message ?? 'invalid') },
    ]);
  // thresholds that only make sense together (a medium value tier under the high one) are refused here, not at the next run
  if (Object.hasOwn(profileSettings, key)) profileConfigFrom({ ...(await readConfig(store)), [key]: parsed.data });
  await store.setSetting(settingKey(key), parsed.data);
  return readConfig(store);
}

/** What an import fills in from the settings. */
export async function importDefaults(store: SettingsStore): Promise<ImportDefaults> {
  const currency = await store.getSetting(settingKey('currency'));
  return currency ? { currency } : {};
}

/** The address customers reach this server at, if it is set (links in messages start with it). */
export async function configuredPublicUrl(store: SettingsStore): Promise<string | undefined> {
  return store.getSetting(settingKey('public_url'));
}

/** The guardrails the store's settings give (frequency_cap, quiet_hours, store_timezone); the rest default. */
export async function configuredGuardrails(store: SettingsStore): Promise<ReturnType<typeof guardrailSettings>> {
  const text: Parameters<typeof guardrailSettings>[0] = {};
  for (const name of ['frequency_cap', 'quiet_hours', 'store_timezone'] as const) {
    const v = await store.getSetting(settingKey(name));
    if (v !== undefined) text[name] = v;
  }
  return guardrailSettings(text);
}
