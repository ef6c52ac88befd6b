import type { Command } from 'commander';
import { AppError } from '@strata/core';
import type { FieldList, PropertyListing } from '@strata/segment-lang';
import { printJson, type GlobalOptions, type Io } from '../context.js';

const meaning = (p: PropertyListing) => (p.values ? `${p.description} (${p.values.join(', ')})` : p.description);

function printFieldList(io: Io, list: FieldList): void {
  const names = [
    ...list.fields.map((f) => f.name),
    ...list.events.flatMap((e) => e.properties.map((p) => `  ${p.name}`)),
  ];
  const width = Math.max(0, ...names.map((n) => n.length));
  const row = (name: string, type: string, text: string) => `  ${name.padEnd(width)}  ${type.padEnd(9)}  ${text}`;
  const groups = [
    ['profile', 'Profile traits (worked out by `strata profiles compute`), e.g. total_spent > 100:'],
    ['customer', 'Customer attributes (from the imported customers), e.g. country = "DE":'],
  ] as const;
  for (const [source, title] of groups) {
    const fields = list.fields.filter((f) => f.source === source);
    if (!fields.length) continue;
    io.out(title);
    for (const f of fields) io.out(row(f.name, f.type, `${meaning(f)}${f.measuredAtProfileRun ? ' *' : ''}`));
    io.out('');
  }
  if (list.fields.some((f) => f.measuredAtProfileRun))
    io.out('* measured when the profiles were computed: a segment using it is evaluated as of that time\n');
  if (list.events.length) {
    io.out('Events, e.g. did add_to_cart within last 7 days, did page_view where page_kind = "product":');
    for (const e of list.events) {
      io.out(row(e.type, 'event', e.description));
      for (const p of e.properties) io.out(row(`  ${p.name}`, p.type, meaning(p)));
    }
    io.out('');
  }
  if (list.channels.length) io.out(`Consent channels (consent email, can receive sms): ${list.channels.join(', ')}`);
}

/** `strata fields [word]`: what segment queries can use; needs no store. */
export function registerFields(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('fields')
    .description('list every field, event and consent channel a segment can use, with its type and meaning')
    .argument('[word]', 'only those whose name or meaning contains this word')
    .action(async (word: string | undefined) => {
      const { filterFieldList, toFieldList } = await import('@strata/segment-lang');
      const all = toFieldList();
      const list = word === undefined ? all : filterFieldList(all, word);
      if (!list.fields.length && !list.events.length && !list.channels.length)
        throw new AppError(
          'not_found',
          `no field, event or property mentions "${word}" (\`strata fields\` lists them all)`,
        );
      if (globals().json) printJson(io, list);
      else printFieldList(io, list);
    });
}
