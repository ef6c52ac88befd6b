/**
 * @strata/engagement — what a shop does with its customers beyond sending messages: tags added
 * and removed by hand, tracked content links whose views (and dwell) become `content_view`
 * events, questionnaires served as a public page whose answers become `questionnaire_answer`
 * events and tags, and email opens and clicks (an open pixel, links rewritten through the
 * server) that become `email_opened` and `email_clicked` events. Every link carries an
 * HMAC-signed token; every write goes through the store's write path, so live segments follow.
 */
export * from './signed-tokens.js';
export * from './content-links.js';
export * from './customer-tags.js';
export * from './questionnaire-store.js';
export * from './questionnaire-answers.js';
export * from './questionnaire-page.js';
export * from './links.js';
export * from './email-tracking.js';
