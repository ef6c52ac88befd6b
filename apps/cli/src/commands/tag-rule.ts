import type { Command } from 'commander';
import { printJson, type GlobalOptions, type Io } from '../context.js';
import { onAutomations } from './automation.js';

/**
 * `strata tag rule add|list|delete|history`: tags that follow a saved segment (added on entry,
 * removed on exit, each change kept), through the running server when there is one.
 */
export function registerTagRule(tag: Command, io: Io, globals: () => GlobalOptions): void {
  const rule = tag.command('rule').description('tags that follow a saved segment (added on entry, removed on exit)');

  rule
    .command('add')
    .description('make a tag follow a saved segment: its members get it now, then entries add it and exits remove it')
    .argument('<tag>')
    .argument('<segment>', 'a saved segment, by id or name')
    .action(async (name: string, segment: string) => {
      const g = globals();
      const r = await onAutomations(io, g, (b) => b.addTagRule({ tag: name, segment }));
      if (g.json) return printJson(io, r);
      io.out(`the tag "${r.tag}" follows segment ${r.segment_id}`);
    });

  rule
    .command('list')
    .description('every tag rule')
    .action(async () => {
      const g = globals();
      const rules = await onAutomations(io, g, (b) => b.tagRules());
      if (g.json) return printJson(io, { rules });
      if (!rules.length) return io.out('no tag rules yet (strata tag rule add <tag> <segment>)');
      const width = Math.max(...rules.map((r) => r.tag.length));
      for (const r of rules) io.out(`${r.tag.padEnd(width)}  follows ${r.segment_id}  since ${r.created_at}`);
    });

  rule
    .command('delete')
    .description('stop a tag following its segment (the tags given stay)')
    .argument('<tag>')
    .action(async (name: string) => {
      const g = globals();
      const r = await onAutomations(io, g, (b) => b.deleteTagRule(name));
      if (g.json) return printJson(io, r);
      io.out(`the tag "${r.tag}" no longer follows ${r.segment_id} (the tags given stay)`);
    });

  rule
    .command('history')
    .description('when a rule tag was added and removed, customer by customer')
    .argument('<tag>')
    .option('--customer <id>', "one customer's history")
    .action(async (name: string, o: { customer?: string }) => {
      const g = globals();
      const history = await onAutomations(io, g, (b) => b.tagHistory(name, o.customer));
      if (g.json) return printJson(io, { history });
      if (!history.length) return io.out(`no changes of "${name}" yet`);
      for (const h of history) io.out(`${h.at}  ${h.action.padEnd(7)}  ${h.customer_id}`);
    });
}
