import type { SqlRunner, StoreReader } from '@strata/core';
import { checkedContentLink, trackedLink } from './content-links.js';
import { knownCustomer } from './customer-tags.js';
import { questionnaireLink } from './questionnaire-answers.js';
import { getQuestionnaire } from './questionnaire-store.js';
import { linkSecret, type LinkBase } from './signed-tokens.js';

/*
 * Links made on request (`POST /v1/content/links`, `POST /v1/questionnaires/:id/links`, and the
 * same commands on the store file): the customer must be known, and the link is signed with the
 * store's secret, so the server and the CLI make links that work alike.
 */

export interface MadeLink {
  url: string;
  /** The customer the link is for (who the id was merged into, if it was). */
  customer_id: string;
  /** Said when the link starts with an address customers may not reach (see linkBase). */
  warning?: string;
}

export interface ContentLinkAsk {
  customer: string;
  url: string;
  topic: string;
  content_id?: string;
  send_id?: string;
  dwell?: boolean;
}

export async function makeContentLink(
  db: StoreReader & SqlRunner,
  base: LinkBase,
  ask: ContentLinkAsk,
): Promise<MadeLink> {
  const link = checkedContentLink({
    customerId: ask.customer,
    url: ask.url,
    topic: ask.topic,
    ...(ask.content_id !== undefined ? { contentId: ask.content_id } : {}),
    ...(ask.send_id !== undefined ? { sendId: ask.send_id } : {}),
    ...(ask.dwell !== undefined ? { dwell: ask.dwell } : {}),
  });
  const customerId = await knownCustomer(db, link.customerId);
  const url = trackedLink(await linkSecret(db), { ...link, customerId, baseUrl: base.baseUrl });
  return { url, customer_id: customerId, ...(base.warning ? { warning: base.warning } : {}) };
}

export async function makeQuestionnaireLink(
  db: StoreReader & SqlRunner,
  base: LinkBase,
  ask: { questionnaire: string; customer: string; send_id?: string },
): Promise<MadeLink> {
  const q = await getQuestionnaire(db, ask.questionnaire);
  const customerId = await knownCustomer(db, ask.customer);
  const url = questionnaireLink(await linkSecret(db), {
    baseUrl: base.baseUrl,
    questionnaireId: q.id,
    customerId,
    ...(ask.send_id !== undefined ? { sendId: ask.send_id } : {}),
  });
  return { url, customer_id: customerId, ...(base.warning ? { warning: base.warning } : {}) };
}
