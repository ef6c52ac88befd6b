import { dirname, resolve } from 'node:path';
import type { GeneratedKeyName } from '@strata/api';
import type { Entity } from '@strata/core';
import { everyone, prepareExport } from '@strata/export';
import { computeProfiles, findProfile } from '@strata/profiles';
import { SegmentService } from '@strata/segments';
import {
  importDefaults,
  queryTimeoutFromEnv,
  readConfig,
  rotateStoredKey,
  setConfig,
  setStoredWebhookSecret,
} from '@strata/server';
import type { DuckDbStore } from '@strata/store-duckdb';
import type { Backend, ExportAsk, ExportStream, SegmentAnswer, SegmentChoice } from './backend-port.js';
import type { GlobalOptions, Io } from './context.js';
import { importOne, type ImportCommandOptions } from './import-file.js';

/** Commands straight on the store file (no server owns it right now). */
export class LocalBackend implements Backend {
  readonly kind = 'local';
  private readonly segments: SegmentService;
  constructor(
    private readonly store: DuckDbStore,
    private readonly io: Io,
    g: GlobalOptions,
  ) {
    this.segments = new SegmentService(store, { clock: g.clock, queryTimeoutMs: queryTimeoutFromEnv() });
  }
  stats = () => this.store.counts();
  importFile = async (entity: Entity | undefined, file: string, opts: ImportCommandOptions) =>
    importOne(this.io, this.store, entity, file, opts, await importDefaults(this.store));
  config = () => readConfig(this.store);
  setConfig = (name: string, value: string) => setConfig(this.store, name, value);
  computeProfiles = (asOf: Date) => computeProfiles(this.store, { asOf, ranBy: 'cli' });
  profile = (customer: string) => findProfile(this.store, customer);
  async evalSegment(text: string, opts: { asOf?: Date; limit: number; countOnly: boolean }): Promise<SegmentAnswer> {
    const at = await this.segments.evaluationTime({ text }, opts.asOf);
    const count = await this.segments.count({ text }, at);
    const members: string[] = [];
    if (!opts.countOnly) {
      for await (const id of this.segments.allMembers({ text }, { asOf: at })) {
        members.push(id);
        if (opts.limit && members.length >= opts.limit) break;
      }
    }
    const { warnings } = await this.segments.warnings({ text });
    return { asOf: at.toISOString(), count, members, warnings };
  }
  explainSegment = (segment: SegmentChoice, customer: string, asOf?: Date) =>
    this.segments.explain(segment, customer, asOf);
  countSegment = (segment: SegmentChoice) => this.segments.count(segment);
  async exportSegment(target: SegmentChoice | 'profiles', ask: ExportAsk): Promise<ExportStream> {
    const prepared = await prepareExport(this.segments, target === 'profiles' ? everyone : target, {
      ...ask,
      ...(ask.saveAs ? { tempDir: dirname(resolve(ask.saveAs)) } : {}),
    });
    return {
      summary: prepared.summary,
      chunks: prepared.chunks(),
      discard: prepared.discard,
      saveAs: prepared.moveTo,
    };
  }
  listSegments = () => this.segments.list();
  saveSegment = (s: { name: string; text: string; description: string }) => this.segments.save(s);
  rotateKey = (name: GeneratedKeyName) => rotateStoredKey(this.store, name);
  setWebhookSecret = async (secret: string) => {
    await setStoredWebhookSecret(this.store, secret);
  };
  close = () => this.store.close();
}
