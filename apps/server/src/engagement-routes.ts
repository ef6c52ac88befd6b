/*
 * Tags by hand, content radar and questionnaires over HTTP (@strata/engagement does the work).
 * The admin routes take the API key; the routes customers reach from a message (`/r/:token`,
 * `/q/:token`, the dwell beacon, an email's open pixel `/o/:token` and links `/c/:token`) take
 * no key: the signed token in the link is the permission, and a token that is not this store's
 * gets the same 404 whatever is wrong with it, and records nothing.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { reportEngagement } from '@strata/campaigns';
import { AppError, MessageStatus, type Clock, type SqlRunner, type StoreReader, type StoreWriter } from '@strata/core';
import {
  ContentLinkRequest,
  DwellRequest,
  QuestionnaireLinkRequest,
  TagsAddRequest,
  type LinkResponse,
  type QuestionnaireSavedResponse,
  type TagsResponse,
} from '@strata/api';
import {
  addTags,
  currentAnswers,
  findQuestionnaire,
  followContentLink,
  getQuestionnaire,
  linkBase,
  linkSecret,
  makeContentLink,
  makeQuestionnaireLink,
  listQuestionnaires,
  listTags,
  pageHeaders,
  parseAnswers,
  readQuestionnaireToken,
  recordAnswers,
  recordEmailClick,
  recordEmailOpen,
  EMAIL_CLICK_PATH,
  EMAIL_OPEN_PATH,
  TRANSPARENT_GIF,
  recordDwell,
  removeTags,
  renderNotFoundPage,
  renderQuestionnairePage,
  renderThanksPage,
  saveQuestionnaire,
} from '@strata/engagement';
import { configuredPublicUrl } from './config.js';
import type { SettingsStore } from './keys.js';

export interface EngagementRouteDeps {
  store: StoreReader & SqlRunner & SettingsStore;
  writer: StoreWriter;
  clock: Clock;
  requireApiKey: MiddlewareHandler;
  /** A JSON body checked with a schema (the app's own helper: the same errors as every route). */
  body: <S extends z.ZodType>(c: Context, schema: S) => Promise<z.infer<S>>;
}

/** Answers to a page's beacon may be read by the page's own script, from any site. */
const beaconHeaders = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': '86400',
};

export function registerEngagementRoutes(app: Hono, deps: EngagementRouteDeps): void {
  const { store, writer, clock, requireApiKey } = deps;
  // Made (or read) once, on first use; a failure is tried again on the next request.
  let secret: Promise<string> | undefined;
  const secretOf = () =>
    (secret ??= linkSecret(store).catch((e: unknown) => {
      secret = undefined;
      throw e;
    }));
  const baseOf = async (c: Context) => linkBase(await configuredPublicUrl(store), new URL(c.req.url).origin);
  const tagDeps = { store, writer, clock };

  /* ---- tags by hand ---- */
  app.get('/v1/customers/:id/tags', requireApiKey, async (c) => {
    const answer: TagsResponse = await listTags(tagDeps, c.req.param('id') ?? '');
    return c.json(answer);
  });
  app.post('/v1/customers/:id/tags', requireApiKey, async (c) => {
    const b = await deps.body(c, TagsAddRequest);
    const answer: TagsResponse = await addTags(tagDeps, c.req.param('id') ?? '', b.tags, b.by ?? 'api');
    return c.json(answer);
  });
  app.delete('/v1/customers/:id/tags/:tag', requireApiKey, async (c) => {
    const answer: TagsResponse = await removeTags(tagDeps, c.req.param('id') ?? '', [c.req.param('tag') ?? '']);
    return c.json(answer);
  });

  /* ---- content radar ---- */
  app.post('/v1/content/links', requireApiKey, async (c) => {
    const b = await deps.body(c, ContentLinkRequest);
    const answer: LinkResponse = await makeContentLink(store, await baseOf(c), b);
    return c.json(answer, 201);
  });
  const notFoundPage = (c: Context) => c.body(renderNotFoundPage(), 404, pageHeaders);
  app.get('/r/:token', async (c) => {
    const location = await followContentLink({ writer, clock, secret: await secretOf() }, c.req.param('token') ?? '');
    if (location === undefined) return notFoundPage(c);
    // no-referrer: the content's site never sees the token in a Referer header
    return c.body(null, 302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  });
  app.options('/v1/content/dwell', (c) => c.body(null, 204, beaconHeaders));
  app.post('/v1/content/dwell', async (c) => {
    const report = await deps.body(c, DwellRequest);
    return c.json(await recordDwell({ db: store, writer, secret: await secretOf() }, report), 200, beaconHeaders);
  });

  /* ---- email opens and clicks ---- */
  app.get(`${EMAIL_OPEN_PATH}/:token`, async (c) => {
    const opened = await recordEmailOpen({ writer, clock, secret: await secretOf() }, c.req.param('token') ?? '');
    if (!opened)
      return c.text('This is not an email image of this shop (the link may be incomplete or changed).', 404, {
        'cache-control': 'no-store',
      });
    await reportEngagement(store, opened.sendId, MessageStatus.opened, clock.now());
    // Never cached, so each open reaches the server (the event is one per message all the same).
    return c.body(new Uint8Array(TRANSPARENT_GIF), 200, {
      'content-type': 'image/gif',
      'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
      pragma: 'no-cache',
      expires: '0',
    });
  });
  app.get(`${EMAIL_CLICK_PATH}/:token`, async (c) => {
    const clicked = await recordEmailClick({ writer, clock, secret: await secretOf() }, c.req.param('token') ?? '');
    if (!clicked) return notFoundPage(c);
    await reportEngagement(store, clicked.sendId, MessageStatus.clicked, clock.now());
    // Only ever to the address signed into the token: the one that was in the message.
    return c.body(null, 302, { location: clicked.url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  });

  /* ---- questionnaires ---- */
  app.post('/v1/questionnaires', requireApiKey, async (c) => {
    const definition = await deps.body(c, z.unknown());
    const replace = c.req.query('replace') === 'true';
    const saved: QuestionnaireSavedResponse = await saveQuestionnaire(store, definition, { now: clock.now(), replace });
    return c.json(saved, saved.created ? 201 : 200);
  });
  app.get('/v1/questionnaires', requireApiKey, async (c) =>
    c.json({ questionnaires: await listQuestionnaires(store) }),
  );
  app.get('/v1/questionnaires/:id', requireApiKey, async (c) =>
    c.json(await getQuestionnaire(store, c.req.param('id') ?? '')),
  );
  app.post('/v1/questionnaires/:id/links', requireApiKey, async (c) => {
    const b = await deps.body(c, QuestionnaireLinkRequest);
    const answer: LinkResponse = await makeQuestionnaireLink(store, await baseOf(c), {
      questionnaire: c.req.param('id') ?? '',
      ...b,
    });
    return c.json(answer, 201);
  });

  /** The questionnaire and recipient a page's token names; undefined for a token that is not (or no longer) valid. */
  const pageOf = async (c: Context) => {
    const link = readQuestionnaireToken(await secretOf(), c.req.param('token') ?? '');
    const q = link ? await findQuestionnaire(store, link.questionnaireId) : undefined;
    return link && q ? { link, q } : undefined;
  };
  app.get('/q/:token', async (c) => {
    const found = await pageOf(c);
    if (!found) return notFoundPage(c);
    const answers = await currentAnswers(store, found.q, found.link.customerId);
    return c.body(renderQuestionnairePage(found.q, answers), 200, pageHeaders);
  });
  app.post('/q/:token', async (c) => {
    const found = await pageOf(c);
    if (!found) return notFoundPage(c);
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded'))
      throw new AppError('invalid', 'send the answers as a form (application/x-www-form-urlencoded)');
    const { answers, errors } = parseAnswers(found.q, new URLSearchParams(await c.req.text()));
    if (errors.length) {
      // The form again, with what was chosen and each mistake by its question.
      const shown = { ...(await currentAnswers(store, found.q, found.link.customerId)), ...answers };
      return c.body(renderQuestionnairePage(found.q, shown, errors), 400, pageHeaders);
    }
    await recordAnswers({ db: store, writer, clock }, found.q, found.link, answers);
    return c.body(renderThanksPage(found.q), 200, pageHeaders);
  });
}
