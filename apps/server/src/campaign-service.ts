/*
 * Campaigns as the server and the CLI offer them: one class both call, so `strata campaign …` on
 * the store file and the same command through a running server (its HTTP routes) do the same
 * thing and fail with the same messages. The send loop that delivers the queued messages runs
 * only in the server (campaign-loop.ts); here is everything else.
 */
import {
  CampaignEngine,
  CouponSource,
  campaignReport,
  campaignResults,
  resultsBreakdown,
  couponState,
  redeemCoupon,
  createCampaign,
  findCampaign,
  importCoupons,
  listCampaigns,
  messageLog,
  previewMessage,
  unsubscribeSecret,
  updateCampaign,
  type Campaign,
  type CampaignPlan,
  type CampaignReport,
  type CouponImport,
  type CouponState,
  type GuardrailConfigInput,
  type MessageLogEntry,
  type UnsubscribeLinks,
} from '@strata/campaigns';
import { CampaignId, CampaignResultsBody, type ResultsAsk } from '@strata/api';
import { linkSecret, type EmailTracking } from '@strata/engagement';
import {
  AppError,
  publicUrl as PublicUrl,
  type Clock,
  type MessageSender,
  type OutgoingMessage,
  type SqlRunner,
  type Timer,
} from '@strata/core';
import { SegmentService } from '@strata/segments';
import { configuredGuardrails, configuredPublicUrl } from './config.js';
import type { SettingsStore } from './keys.js';

/** Where the unsubscribe page is under a server's public address. */
export const UNSUBSCRIBE_PATH = '/u';

/** A page of the message log and where the next one starts. */
export interface MessagePageResult {
  messages: MessageLogEntry[];
  next_after: string | null;
}

/** Sends nothing: a process that manages campaigns but leaves sending to the server (the CLI on the store file). */
const sendsNothing: MessageSender = {
  channels: [],
  send: () => Promise.reject(new AppError('unavailable', 'this process does not send; the server does')),
  close: () => Promise.resolve(),
};

export interface CampaignServiceOptions {
  clock: Clock;
  timer?: Timer;
  /** How messages are delivered; only a server sends (the CLI on the file queues and leaves sending to it). */
  sender?: MessageSender;
  guardrails?: GuardrailConfigInput;
  /** How long a segment query may run while an audience is collected. */
  queryTimeoutMs?: number;
  /**
   * The address given to the server (its `publicUrl` option or STRATA_PUBLIC_URL), used when the
   * store's `public_url` setting is not set.
   */
  publicUrl?: string;
}

export class CampaignService {
  private readonly segments: SegmentService;
  private engineMade: CampaignEngine | undefined;
  /** The address links start with, as last read (see linkBase). */
  private base: string | undefined;
  /** The guardrails: the server's options, then the store's settings (read by linkBase). */
  private guardrails: GuardrailConfigInput = {};
  private ownUrl: string | undefined;
  private readonly givenUrl: string | undefined;
  /**
   * The dry run and the start collect the audience in temporary tables with fixed names on this
   * connection: one at a time, so two requests never fill each other's tables.
   */
  private turn: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: SqlRunner & SettingsStore,
    private readonly secret: string,
    /** The store's link secret (@strata/engagement): email opens and clicks are signed with it. */
    private readonly trackingSecret: string,
    private readonly options: CampaignServiceOptions,
  ) {
    this.segments = new SegmentService(db, {
      clock: options.clock,
      ...(options.queryTimeoutMs !== undefined ? { queryTimeoutMs: options.queryTimeoutMs } : {}),
    });
    if (options.publicUrl !== undefined) {
      const parsed = PublicUrl.safeParse(options.publicUrl);
      if (!parsed.success)
        throw new AppError('invalid', `the public address: ${parsed.error.issues[0]?.message ?? 'not an address'}`);
      this.givenUrl = parsed.data;
    }
  }

  /** Campaigns on `db` (made once per process: the store's unsubscribe and link signing secrets are read or made here). */
  static async open(db: SqlRunner & SettingsStore, options: CampaignServiceOptions): Promise<CampaignService> {
    return new CampaignService(db, await unsubscribeSecret(db), await linkSecret(db), options);
  }

  /** The address the server listens on: links start with it when no public address is known. */
  setOwnUrl(url: string): void {
    this.ownUrl = url.replace(/\/+$/, '');
  }

  /**
   * The address links in messages start with, read again before each send step and preview (so
   * `strata config set public_url …` takes effect on a running server): the store's `public_url`
   * setting, else the address given to the server, else its own.
   */
  private async linkBase(): Promise<string> {
    await this.readGuardrails();
    this.base = (await configuredPublicUrl(this.db)) ?? this.givenUrl ?? this.ownUrl;
    if (!this.base) throw new AppError('internal', 'the campaigns have no address for their links yet');
    return this.base;
  }

  /**
   * The guardrails: the server's options, then the store's settings, read again before each send
   * step, dry run and start (`strata config set quiet_hours …` takes effect on a running server).
   */
  private async readGuardrails(): Promise<void> {
    this.guardrails = { ...this.options.guardrails, ...(await configuredGuardrails(this.db)) };
  }

  /** Where the links in messages point (as last read by linkBase). */
  private get unsubscribeLinks(): UnsubscribeLinks {
    if (!this.base) throw new AppError('internal', 'the campaigns have no address for their links yet');
    return { baseUrl: `${this.base}${UNSUBSCRIBE_PATH}`, secret: this.secret };
  }

  /** Where emails' open pixels and rewritten links point (as last read by linkBase). */
  private get tracking(): EmailTracking {
    if (!this.base) throw new AppError('internal', 'the campaigns have no address for their links yet');
    return { baseUrl: this.base, secret: this.trackingSecret };
  }

  /** The store's unsubscribe signing secret (the unsubscribe page checks tokens with it). */
  get signingSecret(): string {
    return this.secret;
  }

  /** The send engine (made on first use). */
  private get engine(): CampaignEngine {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the engine reads the links at each send
    const service = this;
    this.engineMade ??= new CampaignEngine(this.db, {
      clock: this.options.clock,
      ...(this.options.timer ? { timer: this.options.timer } : {}),
      segments: this.segments,
      sender: this.options.sender ?? sendsNothing,
      get unsubscribe() {
        return service.unsubscribeLinks;
      },
      get tracking() {
        return service.tracking;
      },
      get guardrails() {
        return service.guardrails;
      },
    });
    return this.engineMade;
  }

  /** One send step (the server's send loop): see CampaignEngine.step. */
  step = async (signal?: AbortSignal) => {
    await this.linkBase();
    return this.engine.step(signal);
  };
  nextDue = () => this.engine.nextDue();

  private oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Saves a draft from a definition; `id` in it names the campaign (else one is made). */
  async create(input: unknown): Promise<Campaign> {
    const { id, definition } = splitId(input);
    return createCampaign(this.db, definition, { clock: this.options.clock, ...(id !== undefined ? { id } : {}) });
  }

  list = (): Promise<Campaign[]> => listCampaigns(this.db);
  get = (id: string): Promise<Campaign> => findCampaign(this.db, id);

  /** Replaces a draft's definition (an `id` in the body must be the campaign's own). */
  async update(id: string, input: unknown): Promise<Campaign> {
    const split = splitId(input);
    if (split.id !== undefined && split.id !== id)
      throw new AppError('invalid', `id: a campaign's id does not change ("${id}", not "${split.id}")`, [
        { field: 'id', message: 'does not change' },
      ]);
    return updateCampaign(this.db, id, split.definition, { clock: this.options.clock });
  }

  plan = (id: string): Promise<CampaignPlan> =>
    this.oneAtATime(async () => {
      await this.readGuardrails();
      return this.engine.plan(id);
    });

  /** The dry run of a definition not saved yet; an `id` in it is the one it will be saved under. */
  planDraft = (input: unknown): Promise<CampaignPlan> =>
    this.oneAtATime(async () => {
      const { id, definition } = splitId(input);
      await this.readGuardrails();
      return this.engine.planDefinition(definition, id);
    });

  async start(id: string): Promise<{ campaign: Campaign; queued: number }> {
    const { queued } = await this.oneAtATime(async () => {
      await this.readGuardrails();
      return this.engine.start(id);
    });
    return { campaign: await findCampaign(this.db, id), queued };
  }

  async pause(id: string): Promise<Campaign> {
    await this.engine.pause(id);
    return findCampaign(this.db, id);
  }

  report = (id: string): Promise<CampaignReport> => campaignReport(this.db, id);

  /**
   * Attributed results and uplift over the holdout (default windows), and with `by` the same
   * measures by group (results-breakdown.ts). As JSON carries it
   * (unbounded interval ends become null), so the CLI on the file and through the server agree.
   */
  async results(id: string, ask: ResultsAsk = {}): Promise<CampaignResultsBody> {
    const totals = await campaignResults(this.db, id);
    const breakdown =
      ask.by === undefined
        ? undefined
        : await resultsBreakdown(this.db, id, ask.by, {
            segments: this.segments,
            ...(ask.segments ? { segmentKeys: ask.segments } : {}),
          });
    return CampaignResultsBody.parse(JSON.parse(JSON.stringify(breakdown ? { ...totals, breakdown } : totals)));
  }

  /** A page of the message log of a campaign or a customer. */
  async messages(filter: { campaignId?: string; customerId?: string }, page: { after?: string; limit: number }) {
    if (filter.campaignId !== undefined) await findCampaign(this.db, filter.campaignId);
    const messages = await messageLog(this.db, {
      ...filter,
      limit: page.limit,
      ...(page.after !== undefined ? { after: page.after } : {}),
    });
    const result: MessagePageResult = {
      messages,
      next_after: messages.length === page.limit ? (messages.at(-1)?.id ?? null) : null,
    };
    return result;
  }

  async preview(id: string, customer: string): Promise<OutgoingMessage> {
    const campaign = await findCampaign(this.db, id);
    await this.linkBase();
    // Without tracking: a preview opened in a browser must not record opens or clicks for the customer.
    return previewMessage(this.db, campaign, customer, this.unsubscribeLinks);
  }

  /** A coupon code's state, for a till or shop. */
  coupon = (code: string): Promise<CouponState> => couponState(this.db, code);

  /** Marks a code used once; a second time is a conflict naming when and by which order. */
  redeemCoupon = (code: string, orderId?: string): Promise<CouponState> =>
    redeemCoupon(this.db, code, { at: this.options.clock.now(), ...(orderId !== undefined ? { orderId } : {}) });

  /** Codes made in the shop system, one a line: bad lines reported by number, good ones kept. */
  async importCoupons(id: string, text: string): Promise<CouponImport> {
    const campaign = await findCampaign(this.db, id);
    const coupons = campaign.definition.coupons;
    if (coupons?.source !== CouponSource.imported)
      throw new AppError(
        'invalid',
        `campaign "${id}" does not take imported codes: its coupons.source is ${coupons ? `"${coupons.source}"` : 'not set'} (set coupons: { "source": "imported" } while it is a draft)`,
        [{ field: 'coupons.source', message: 'must be "imported"' }],
      );
    return importCoupons(this.db, id, text.split(/\r?\n/), this.options.clock.now());
  }
}

/** The optional `id` of a definition, checked, and the definition without it. */
function splitId(input: unknown): { id?: string; definition: unknown } {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !('id' in input))
    return { definition: input };
  const { id, ...definition } = input as Record<string, unknown>;
  const parsed = CampaignId.safeParse(id);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'not a campaign id';
    throw new AppError('invalid', `the campaign is not valid: id: ${message}`, [{ field: 'id', message }]);
  }
  return { id: parsed.data, definition };
}
