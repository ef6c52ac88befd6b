import type { Command } from 'commander';
import type { TagsResponse } from '@strata/api';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';
import { registerTagRule } from './tag-rule.js';

/**
 * `strata tag add|remove|list <customer> …`: tags by hand, through the running server when there
 * is one. Segments see them at once (`has tag "vip"`); a served store's live segments follow.
 */
export function registerTag(program: Command, io: Io, globals: () => GlobalOptions): void {
  const tag = program.command('tag').description("add, remove and list a customer's tags");
  const quoted = (tags: readonly string[]) => tags.map((t) => `"${t}"`).join(', ');
  const now = (r: TagsResponse) =>
    `${r.customer_id} has ${r.tags.length ? `tags ${quoted(r.tags.map((t) => t.tag))}` : 'no tags'}`;

  tag
    .command('add')
    .description('add tags to a customer (a tag they have already is left as it is)')
    .argument('<customer>', 'customer id')
    .argument('<tags...>', 'one or more tags; quote a tag with spaces ("dry skin")')
    .action(async (customer: string, tags: string[]) => {
      const g = globals();
      const r = await withBackend(io, g, (b) => b.addTags(customer, tags));
      if (g.json) return printJson(io, r);
      const added = r.added ?? [];
      io.out(added.length ? `added ${quoted(added)}; ${now(r)}` : `nothing to add; ${now(r)}`);
    });

  tag
    .command('remove')
    .description('remove tags from a customer (all or none: a tag they do not have stops the command)')
    .argument('<customer>', 'customer id')
    .argument('<tags...>', 'one or more tags')
    .action(async (customer: string, tags: string[]) => {
      const g = globals();
      const r = await withBackend(io, g, (b) => b.removeTags(customer, tags));
      if (g.json) return printJson(io, r);
      io.out(`removed ${quoted(r.removed ?? [])}; ${now(r)}`);
    });

  tag
    .command('list')
    .description("list a customer's tags, with who added each and when")
    .argument('<customer>', 'customer id')
    .action(async (customer: string) => {
      const g = globals();
      const r = await withBackend(io, g, (b) => b.tags(customer));
      if (g.json) return printJson(io, r);
      if (!r.tags.length) return io.out(`${r.customer_id} has no tags`);
      const width = Math.max(...r.tags.map((t) => t.tag.length));
      for (const t of r.tags) io.out(`${t.tag.padEnd(width)}  added by ${t.assigned_by} at ${t.assigned_at}`);
    });

  registerTagRule(tag, io, globals);
}
