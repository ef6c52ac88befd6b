import type { Command } from 'commander';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';

/** `strata content link`: a tracked link to an article or video for one customer (content radar). */
export function registerContent(program: Command, io: Io, globals: () => GlobalOptions): void {
  const content = program
    .command('content')
    .description('content radar: tracked links whose views become content_view events');
  content
    .command('link')
    .description("print a customer's tracked link to an article or video")
    .argument('<customer>', 'customer id')
    .argument('<url>', 'the content (http or https)')
    .requiredOption('--topic <topic>', 'what the content is about, e.g. skincare')
    .option('--content-id <id>', 'what segments call the content (default: its address)')
    .option('--send-id <id>', 'the message the link goes out in')
    .option('--dwell', "add a view token to the address, for the page's dwell beacon", false)
    .action(
      async (
        customer: string,
        url: string,
        opts: { topic: string; contentId?: string; sendId?: string; dwell: boolean },
      ) => {
        const g = globals();
        const r = await withBackend(io, g, (b) =>
          b.contentLink({
            customer,
            url,
            topic: opts.topic,
            ...(opts.contentId !== undefined ? { content_id: opts.contentId } : {}),
            ...(opts.sendId !== undefined ? { send_id: opts.sendId } : {}),
            ...(opts.dwell ? { dwell: true } : {}),
          }),
        );
        if (r.warning) io.err(`warning: ${r.warning}`);
        if (g.json) return printJson(io, r);
        io.out(r.url);
      },
    );
}
