import { createHash } from 'node:crypto';

/*
 * Deterministic ids: the same campaign, step and customer always give the same send id (so a
 * message can be recorded once, under a primary key, and a provider can de-duplicate by it), and
 * the same campaign and customer always fall in the same holdout bucket. Each is computed in SQL
 * for whole audiences and here for single messages; a test holds the two equal.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The send id of one customer's message of one campaign step: `m_` and 32 hex digits of SHA-256.
 * `occurrence` tells apart the times one customer passes one step (an automation's entry number).
 */
export const sendId = (campaignId: string, step: string, customerId: string, occurrence?: number) =>
  `m_${sha256(`${campaignId}/${step}/${customerId}${occurrence === undefined ? '' : `/${occurrence}`}`).slice(0, 32)}`;

/** sendId as SQL over expressions (DuckDB). */
export const sendIdSql = (campaignId: string, step: string, customerId: string) =>
  `('m_' || left(sha256(${campaignId} || '/' || ${step} || '/' || ${customerId}), 32))`;

/** A customer's holdout bucket in a campaign, in [0, 1) (holdoutBucketSql in guardrails.ts). */
export const holdoutBucket = (campaignId: string, customerId: string) =>
  parseInt(sha256(`${campaignId}:${customerId}`).slice(0, 8), 16) / 4294967296;
