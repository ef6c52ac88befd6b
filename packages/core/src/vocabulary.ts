/*
 * The closed vocabularies of the domain, each written once. The zod schemas, the segment
 * language's catalog, the SQL that computes profiles, the native import's checks and the ready
 * segments all derive from these, so a name added or renamed here reaches every one of them
 * (and a place that lists them by hand stops compiling).
 */

/** Channels messages go out on and consent is recorded for. */
export const Channel = { email: 'email', sms: 'sms', whatsapp: 'whatsapp' } as const;
export type Channel = (typeof Channel)[keyof typeof Channel];
export const channels = Object.values(Channel);

/**
 * The files a segment can be exported as: CSV, JSON Lines, Parquet, or an ad platform's custom
 * audience (Meta's customer list, Google Ads Customer Match).
 */
export const ExportFormat = { csv: 'csv', jsonl: 'jsonl', parquet: 'parquet', meta: 'meta', google: 'google' } as const;
export type ExportFormat = (typeof ExportFormat)[keyof typeof ExportFormat];
export const exportFormats = Object.values(ExportFormat);

export const PageKind = {
  home: 'home',
  category: 'category',
  product: 'product',
  demo_video: 'demo_video',
  other: 'other',
} as const;
export type PageKind = (typeof PageKind)[keyof typeof PageKind];
export const pageKinds = Object.values(PageKind);

export const EventType = {
  page_view: 'page_view',
  product_view: 'product_view',
  add_to_cart: 'add_to_cart',
  remove_from_cart: 'remove_from_cart',
  checkout_started: 'checkout_started',
  chat_message: 'chat_message',
  content_view: 'content_view',
  questionnaire_answer: 'questionnaire_answer',
  email_opened: 'email_opened',
  email_clicked: 'email_clicked',
  review: 'review',
  referral: 'referral',
  event_attended: 'event_attended',
  newsletter_opt_in: 'newsletter_opt_in',
  newsletter_opt_out: 'newsletter_opt_out',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** What an event property holds (a subset of the segment language's field types). */
export const PropertyType = { string: 'string', number: 'number', enum: 'enum' } as const;
export type PropertyType = (typeof PropertyType)[keyof typeof PropertyType];

export interface EventPropertySpec {
  readonly type: PropertyType;
  readonly description: string;
  /**
   * Every event of the type must carry it: a non-empty text, a number within `min`..`max`, or
   * one of `values`. Other properties are described for the segment language but not checked.
   */
  readonly required?: true;
  readonly min?: number;
  readonly max?: number;
  /** The allowed values of an `enum`, exactly as stored. */
  readonly values?: readonly string[];
}

export interface EventTypeSpec {
  readonly description: string;
  readonly properties: Readonly<Record<string, EventPropertySpec>>;
}

const text = (description: string): EventPropertySpec => ({ type: 'string', description });
const num = (description: string): EventPropertySpec => ({ type: 'number', description });
const required = (p: EventPropertySpec, range: { min?: number; max?: number } = {}): EventPropertySpec => ({
  ...p,
  ...range,
  required: true,
});

/** The built-in event types: what each means and the properties it carries. */
export const eventTypeSpecs: { readonly [T in EventType]: EventTypeSpec } = {
  page_view: {
    description: 'A page of the online shop was viewed',
    properties: {
      page_kind: required({ type: 'enum', values: pageKinds, description: 'Kind of page' }),
      url: text('Page address'),
      category: text('Category shown, on category pages'),
      sku: text('Product shown, on product pages'),
    },
  },
  product_view: {
    description: 'A product was viewed',
    properties: { sku: required(text('Product')), category: text('Product category'), brand: text('Product brand') },
  },
  add_to_cart: {
    description: 'A product was added to the cart',
    properties: { sku: required(text('Product')), quantity: num('Units added') },
  },
  remove_from_cart: {
    description: 'A product was removed from the cart',
    properties: { sku: required(text('Product')), quantity: num('Units removed') },
  },
  checkout_started: { description: 'Checkout was started', properties: { value: num('Cart value') } },
  chat_message: { description: 'A chat message was sent', properties: { topic: text('Chat topic') } },
  content_view: {
    description: 'Content (article, video) was viewed',
    properties: {
      content_id: required(text('Content id')),
      topic: required(text('Topic')),
      dwell_seconds: required(num('Seconds spent'), { min: 0 }),
    },
  },
  questionnaire_answer: {
    description: 'A questionnaire question was answered',
    properties: { question: required(text('Question')), option: required(text('Chosen option')) },
  },
  email_opened: {
    description: 'A campaign or automation email was opened (its tracking image was loaded)',
    properties: {
      campaign: required(text('Campaign name, as the campaign calls itself (e.g. "Spring sale")')),
      campaign_id: text('Campaign id'),
      message_id: required(text('Send id of the message opened')),
    },
  },
  email_clicked: {
    description: 'A link in a campaign or automation email was clicked',
    properties: {
      campaign: required(text('Campaign name, as the campaign calls itself (e.g. "Spring sale")')),
      campaign_id: text('Campaign id'),
      message_id: required(text('Send id of the message clicked in')),
      url: required(text('Address of the link clicked')),
    },
  },
  review: {
    description: 'A review was written',
    properties: { rating: required(num('Stars, 1–5'), { min: 1, max: 5 }), sku: text('Product reviewed') },
  },
  referral: {
    description: 'A customer referred someone',
    properties: { referrer: required(text('Referring customer')), referee: required(text('Referred customer')) },
  },
  event_attended: { description: 'An in-store or online event was attended', properties: { name: text('Event name') } },
  newsletter_opt_in: { description: 'Subscribed to the newsletter', properties: {} },
  newsletter_opt_out: { description: 'Unsubscribed from the newsletter', properties: {} },
};

/** The properties every event of `type` must carry; empty when it may carry anything. */
export const requiredEventProperties = (type: EventType): [name: string, spec: EventPropertySpec][] =>
  Object.entries(eventTypeSpecs[type].properties).filter(([, p]) => p.required);

export const RfmSegment = {
  champions: 'Champions',
  loyal: 'Loyal',
  potential_loyalist: 'Potential Loyalist',
  new: 'New',
  promising: 'Promising',
  need_attention: 'Need Attention',
  about_to_sleep: 'About to Sleep',
  at_risk: 'At Risk',
  cant_lose_them: "Can't Lose Them",
  hibernating: 'Hibernating',
  lost: 'Lost',
} as const;
export type RfmSegment = (typeof RfmSegment)[keyof typeof RfmSegment];
export const rfmSegments = Object.values(RfmSegment);

/** A recency, frequency or monetary quintile score. */
export type RfmScore = 1 | 2 | 3 | 4 | 5;
export const rfmScores = [1, 2, 3, 4, 5] as const satisfies readonly RfmScore[];

/**
 * The RFM segment of each (R, FM) cell, FM = round((F + M) / 2). Every one of the 25 cells is
 * named, so every buyer gets exactly one segment. Rows are R 5..1, columns FM 1..5.
 */
export const rfmSegmentGrid: {
  readonly [R in RfmScore]: readonly [RfmSegment, RfmSegment, RfmSegment, RfmSegment, RfmSegment];
} = {
  5: ['New', 'Potential Loyalist', 'Potential Loyalist', 'Champions', 'Champions'],
  4: ['Promising', 'Potential Loyalist', 'Potential Loyalist', 'Loyal', 'Champions'],
  3: ['About to Sleep', 'Need Attention', 'Need Attention', 'Loyal', 'Loyal'],
  2: ['Hibernating', 'About to Sleep', 'At Risk', 'At Risk', "Can't Lose Them"],
  1: ['Lost', 'Hibernating', 'At Risk', "Can't Lose Them", "Can't Lose Them"],
};

/** Where a customer is in their buying life (the rules are in @strata/profiles). */
export const LifecycleStage = {
  prospect: 'prospect',
  new: 'new',
  active: 'active',
  one_time: 'one_time',
  skipped_cycle: 'skipped_cycle',
  at_risk: 'at_risk',
  churned: 'churned',
  dormant: 'dormant',
  loyal: 'loyal',
} as const;
export type LifecycleStage = (typeof LifecycleStage)[keyof typeof LifecycleStage];
export const lifecycleStages = Object.values(LifecycleStage);

/** The bands of value tier, AOV band and churn risk, highest first. */
export const Level = { high: 'high', medium: 'medium', low: 'low' } as const;
export type Level = (typeof Level)[keyof typeof Level];
export const levels = Object.values(Level);

/** How often a customer buys: orders in the last year (the limits are in the profile config). */
export const FrequencyTier = { heavy: 'heavy', medium: 'medium', light: 'light' } as const;
export type FrequencyTier = (typeof FrequencyTier)[keyof typeof FrequencyTier];
export const frequencyTiers = Object.values(FrequencyTier);

/** Each age group and the first age past it (none for the last). */
export const ageGroupEnds = {
  'under 18': 18,
  '18-29': 30,
  '30-39': 40,
  '40-49': 50,
  '50-59': 60,
  '60-69': 70,
  '70+': null,
} as const;
export type AgeGroup = keyof typeof ageGroupEnds;
export const ageGroups = Object.keys(ageGroupEnds) as AgeGroup[];

/** In ISO order, Monday first (ISO day number − 1 is the index). */
export const Weekday = {
  monday: 'monday',
  tuesday: 'tuesday',
  wednesday: 'wednesday',
  thursday: 'thursday',
  friday: 'friday',
  saturday: 'saturday',
  sunday: 'sunday',
} as const;
export type Weekday = (typeof Weekday)[keyof typeof Weekday];
export const weekdays = Object.values(Weekday);

/** What can be imported: the record kinds of a store. */
export const Entity = {
  customers: 'customers',
  products: 'products',
  locations: 'locations',
  orders: 'orders',
  order_lines: 'order_lines',
  events: 'events',
  tags: 'tags',
} as const;
export type Entity = (typeof Entity)[keyof typeof Entity];
export const entities = Object.values(Entity);
