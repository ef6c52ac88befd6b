/*
 * What a query can talk about: customer fields (profile traits and customer attributes), event
 * types with their properties, and consent channels. The binder takes these as parameters, so a
 * store can add its own attributes and event types.
 */

import {
  ageGroups,
  channels,
  eventTypeSpecs,
  frequencyTiers,
  levels,
  lifecycleStages,
  rfmSegments,
  weekdays,
} from '@strata/core';
import type { ItemKind } from './ast.js';

export const FieldType = {
  number: 'number',
  money: 'money',
  integer: 'integer',
  string: 'string',
  boolean: 'boolean',
  timestamp: 'timestamp',
  date: 'date',
  enum: 'enum',
  list: 'list',
} as const;
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

/** Where a field lives: the computed customer profile, or the customer record itself. */
export const FieldSource = { profile: 'profile', customer: 'customer' } as const;
export type FieldSource = (typeof FieldSource)[keyof typeof FieldSource];

export interface PropertySpec {
  readonly type: FieldType;
  /** The allowed values of an `enum`, exactly as stored. */
  readonly values?: readonly string[];
  readonly description: string;
}

export interface FieldSpec extends PropertySpec {
  readonly source: FieldSource;
  /** A date whose year does not matter for `within last/next` (birthdays, anniversaries). */
  readonly recurring?: boolean;
  /**
   * A money measure of what a customer bought (total spent, order values, predicted value): its
   * percentiles rank buyers only. Non-buyers have spent nothing, and tied at 0 they would
   * otherwise fill the bottom ranks (`total_spent in bottom 10%` would be the people who never
   * ordered); a non-buyer is in no rank of a money measure.
   */
  readonly rankedAmongBuyers?: boolean;
  /** A list of catalogue items of this kind (`categories`: the categories bought). */
  readonly item?: ItemKind;
}

/** Field name → what it is. */
export type FieldCatalog = Readonly<Record<string, FieldSpec>>;

export interface EventSpec {
  readonly description: string;
  /** Known properties. Events may carry others; using one is a warning, not an error. */
  readonly properties: Readonly<Record<string, PropertySpec>>;
}
/** Event type → what it is. Events of types not listed are allowed (with a warning). */
export type EventCatalog = Readonly<Record<string, EventSpec>>;

/** Looks a name up without tripping over `Object.prototype` (a field called `constructor`). */
export function lookup<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

export const numericTypes: ReadonlySet<FieldType> = new Set(['number', 'money', 'integer']);

const profile = (type: FieldType, description: string): FieldSpec => ({ type, description, source: 'profile' });
const customer = (type: FieldType, description: string): FieldSpec => ({ type, description, source: 'customer' });
/** A money measure of purchases: ranked among buyers (see {@link FieldSpec.rankedAmongBuyers}). */
const money = (description: string): FieldSpec => ({ type: 'money', description, source: 'profile', rankedAmongBuyers: true });
const oneOf = (source: FieldSource, values: readonly string[], description: string): FieldSpec => ({
  type: 'enum',
  values,
  description,
  source,
});

const lowMediumHigh = [...levels].reverse();

/** The profile traits and customer attributes every Strata store has. */
export const defaultCatalog: FieldCatalog = {
  // ── profile: spending
  total_spent: money('Money spent on confirmed orders'),
  order_count: profile('integer', 'Number of confirmed orders'),
  aov: money('Average order value'),
  largest_order: money('Largest single order'),
  first_order_at: profile('timestamp', 'When the first confirmed order was placed'),
  last_order_at: profile('timestamp', 'When the latest confirmed order was placed'),
  days_since_last_order: profile('integer', 'Days since the latest confirmed order'),
  avg_days_between_orders: profile('number', 'Average days between consecutive orders'),
  median_days_between_orders: profile('number', 'Median days between consecutive orders'),
  purchase_regularity: profile('number', 'How regular the gaps between orders are, 0 (erratic) to 1 (like clockwork)'),
  favourite_weekday: oneOf('profile', weekdays, 'Weekday on which the customer orders most'),
  favourite_hour: profile('integer', 'Hour of day (0–23, store time) at which the customer orders most'),
  frequency_tier: oneOf(
    'profile',
    frequencyTiers,
    'Orders in the last year: heavy, medium or light buyer',
  ),
  avg_items_per_order: profile('number', 'Average number of items per order'),
  coupon_share: profile('number', 'Share of orders (0–1) that used a discount code'),
  trend_share: profile('number', 'Share of purchases (0–1) made soon after the product launched'),
  preferred_location: profile('string', 'Location id (shop or online store) of most orders'),
  shop: profile('string', 'The shop the customer buys at most (same as preferred_location)'),
  online_share: profile('number', 'Share of orders (0–1) placed online'),
  // ── profile: behaviour
  last_visit_at: profile('timestamp', 'Latest visit to the online shop'),
  visits_7d: profile('integer', 'Visits in the last 7 days'),
  visits_30d: profile('integer', 'Visits in the last 30 days'),
  product_views_7d: profile('integer', 'Product views in the last 7 days'),
  product_views_30d: profile('integer', 'Product views in the last 30 days'),
  carts_started: profile('integer', 'Carts started'),
  carts_abandoned: profile('integer', 'Carts left without an order'),
  chat_sessions: profile('integer', 'Chat sessions'),
  avg_review_rating: profile('number', 'Average rating of the customer’s reviews (1–5)'),
  referrals_made: profile('integer', 'Customers this customer referred'),
  came_by_referral: profile('boolean', 'Was referred by another customer'),
  next_replenishment_due_at: profile('timestamp', 'When a consumable bought earlier is expected to run out'),
  overdue_ratio: profile('number', 'Days since the last order divided by the usual days between orders (over 1 = late)'),
  categories: { ...profile('list', 'Categories bought'), item: 'category' },
  brands: { ...profile('list', 'Brands bought'), item: 'brand' },
  abandoned_skus: { ...profile('list', 'Products left in abandoned carts'), item: 'product' },
  abandoned_categories: { ...profile('list', 'Categories of products left in abandoned carts'), item: 'category' },
  content_dwell_seconds: profile('number', 'Seconds spent on content in total'),
  top_content_topic: profile('string', 'Content topic the customer spent most time on'),
  reviews: profile('integer', 'Reviews written'),
  events_attended: profile('integer', 'Events attended'),
  // ── profile: scores and predictions
  recency_score: profile('integer', 'RFM recency score, 1–5'),
  frequency_score: profile('integer', 'RFM frequency score, 1–5'),
  monetary_score: profile('integer', 'RFM monetary score, 1–5'),
  rfm_segment: oneOf('profile', rfmSegments, 'RFM segment name'),
  value_tier: oneOf('profile', levels, 'Spend tier among all buyers'),
  aov_band: oneOf('profile', lowMediumHigh, 'Average order value band'),
  lifecycle_stage: oneOf('profile', lifecycleStages, 'Where the customer is in their buying life'),
  p_alive: profile('number', 'Probability (0–1) the customer still buys (BG/NBD)'),
  expected_orders_30d: profile('number', 'Predicted orders in the next 30 days'),
  expected_orders_90d: profile('number', 'Predicted orders in the next 90 days'),
  expected_orders_365d: profile('number', 'Predicted orders in the next 365 days'),
  expected_aov: money('Predicted average order value (Gamma-Gamma)'),
  predicted_clv: money('Predicted customer lifetime value'),
  churn_risk: oneOf('profile', lowMediumHigh, 'Churn risk band from P(alive)'),
  // ── customer attributes
  email: customer('string', 'Email address'),
  phone: customer('string', 'Phone number (E.164)'),
  name: customer('string', 'Full name'),
  birthday: { type: 'date', description: 'Date of birth', source: 'customer', recurring: true },
  age: customer('integer', 'Age in years'),
  age_group: oneOf('customer', ageGroups, 'Age group'),
  gender: customer('string', 'Gender, as the customer gave it'),
  city: customer('string', 'City'),
  region: customer('string', 'Region or state'),
  postcode: customer('string', 'Postcode'),
  country: customer('string', 'Two-letter ISO country code, e.g. DE'),
  timezone: customer('string', 'IANA time zone, e.g. Europe/Berlin'),
  language: customer('string', 'Preferred language, e.g. de'),
  currency: customer('string', 'Preferred currency, e.g. EUR'),
  occupation: customer('string', 'Occupation'),
  social_identity: customer('string', 'Social media handle'),
  acquisition_channel: customer('string', 'How the customer found the store'),
  created_at: customer('timestamp', 'When the customer record was created'),
  newsletter: customer('boolean', 'Subscribed to the newsletter'),
};

/** The built-in event types (`eventTypeSpecs` in @strata/core) and their known properties. */
export const defaultEventCatalog: EventCatalog = Object.fromEntries(
  Object.entries(eventTypeSpecs).map(([type, { description, properties }]): [string, EventSpec] => [
    type,
    {
      description,
      properties: Object.fromEntries(
        Object.entries(properties).map(([name, p]): [string, PropertySpec] => [
          name,
          { type: p.type, description: p.description, ...(p.values ? { values: p.values } : {}) },
        ]),
      ),
    },
  ]),
);

/** Channels consent is recorded for. */
export const defaultChannels: readonly string[] = channels;

/**
 * Profile traits measured from the profile run's as-of time (windows such as the last 30 days,
 * recency ranks, lifecycle stage, model predictions). A segment that reads one of them can only
 * be evaluated as of that same time; `days_since_last_order` and `overdue_ratio` are worked out
 * at evaluation time from `last_order_at` and are not listed.
 */
export const measuredAtProfileRun: ReadonlySet<string> = new Set([
  'age',
  'age_group',
  'visits_7d',
  'visits_30d',
  'product_views_7d',
  'product_views_30d',
  'carts_abandoned',
  'abandoned_skus',
  'abandoned_categories',
  'frequency_tier',
  'recency_score',
  'rfm_segment',
  'lifecycle_stage',
  'p_alive',
  'expected_orders_30d',
  'expected_orders_90d',
  'expected_orders_365d',
  'predicted_clv',
  'churn_risk',
]);
