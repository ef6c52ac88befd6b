/*
 * The channels' settings over HTTP (API key required): `GET /v1/channels`, `GET|PUT|PATCH|DELETE
 * /v1/channels/:channel` and `POST /v1/channels/:channel/test`. Secrets are never answered in
 * full; a change takes effect for the next message sent.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { ChannelSetRequest, ChannelTestRequest, type ChannelViewBody } from '@strata/api';
import type { z } from 'zod';
import { channelNamed } from './channel-settings.js';
import type { ChannelService } from './channel-service.js';

export interface ChannelRouteDeps {
  channels: ChannelService;
  requireApiKey: MiddlewareHandler;
  body: <S extends z.ZodType>(c: Context, schema: S) => Promise<z.infer<S>>;
}

export function registerChannelRoutes(app: Hono, deps: ChannelRouteDeps): void {
  const { channels, requireApiKey, body } = deps;
  const channelOf = (c: Context) => channelNamed(c.req.param('channel') ?? '');
  const noStore = { 'cache-control': 'no-store' };

  app.get('/v1/channels', requireApiKey, (c) =>
    c.json({ outbox_dir: channels.outboxDir, channels: channels.list() }, 200, noStore),
  );
  app.get('/v1/channels/:channel', requireApiKey, (c) =>
    c.json(channels.show(channelOf(c)) satisfies ChannelViewBody, 200, noStore),
  );
  app.put('/v1/channels/:channel', requireApiKey, async (c) => {
    const channel = channelOf(c);
    return c.json(await channels.set(channel, await body(c, ChannelSetRequest), false), 200, noStore);
  });
  app.patch('/v1/channels/:channel', requireApiKey, async (c) => {
    const channel = channelOf(c);
    return c.json(await channels.set(channel, await body(c, ChannelSetRequest), true), 200, noStore);
  });
  app.delete('/v1/channels/:channel', requireApiKey, async (c) =>
    c.json(await channels.reset(channelOf(c)), 200, noStore),
  );
  app.post('/v1/channels/:channel/test', requireApiKey, async (c) => {
    const channel = channelOf(c);
    const request = await body(c, ChannelTestRequest);
    return c.json(await channels.test(channel, request));
  });
}
