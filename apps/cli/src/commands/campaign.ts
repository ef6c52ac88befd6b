import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CampaignBody, CampaignPlanBody, CampaignReportBody, MessageLogEntryBody } from '@strata/api';
import { AppError, ResultBreakdown, resultBreakdowns, type SendReason } from '@strata/core';
import { withBackend } from '../backend.js';
import type { CampaignBackend } from '../campaign-backend.js';
import { printBreakdown, printResults } from './campaign-results.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';

/*
 * `strata campaign …`: the campaign routes of the API on the command line, through the running
 * server when there is one, else on the store file (where a started campaign is queued and the
 * server sends it when it runs). docs/campaigns.md.
 */

/** What each guardrail decision is called in the dry run and the report. */
const reasonLabel: Record<SendReason, string> = {
  send: 'would be sent now',
  quiet_hours: 'deferred by quiet hours (sent at the next allowed hour)',
  held_out: 'held out (receive nothing, for comparison)',
  no_consent: 'no consent for the channel',
  missing_address: 'no address for the channel',
  capped: 'over the frequency cap',
  excluded: 'in an excluded segment',
  unscheduled: 'no time in the schedule (a trait is missing)',
  no_coupon: 'no coupon code left',
  goal_met: 'not sent: the automation’s goal was met first',
};

/** A JSON file's object, or an error naming the file, line and column. */
export async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  if (!existsSync(file)) throw new AppError('not_found', `no such file: ${file}`);
  const { parseJsonText } = await import('@strata/ingest');
  const r = parseJsonText(readFileSync(file));
  if (!r.ok) {
    const where = r.line !== undefined ? `:${r.line}:${r.column ?? 1}` : '';
    throw new AppError('invalid', `${file}${where}: ${r.message}`, [
      { where: file, ...(r.line !== undefined ? { line: r.line } : {}), message: r.message },
    ]);
  }
  if (typeof r.value !== 'object' || r.value === null || Array.isArray(r.value))
    throw new AppError('invalid', `${file}: a campaign is a JSON object ({ "name": …, "audience": …, "message": … })`);
  return r.value as Record<string, unknown>;
}

const onCampaigns = <T>(io: Io, g: GlobalOptions, fn: (c: CampaignBackend, kind: 'local' | 'server') => Promise<T>) =>
  withBackend(io, g, async (b) => fn(await b.campaigns(), b.kind));

function printCampaign(io: Io, c: CampaignBody): void {
  io.out(`${c.id}: ${c.name}`);
  io.out(`  status:  ${c.status}`);
  io.out(`  created: ${c.created_at}${c.started_at ? `   started: ${c.started_at}` : ''}`);
  io.out(JSON.stringify(c.definition, null, 2).replace(/^/gm, '  '));
}

function printPlan(io: Io, p: CampaignPlanBody): void {
  io.out(`Dry run of ${p.campaignId} as of ${p.at}: ${p.audience.toLocaleString('en')} people in the audience`);
  const rows = Object.entries(p.counts).filter(([, n]) => n > 0) as [SendReason, number][];
  const width = Math.max(...rows.map(([, n]) => n.toLocaleString('en').length), 1);
  for (const [reason, n] of rows) io.out(`  ${n.toLocaleString('en').padStart(width)}  ${reasonLabel[reason]}`);
  io.out(
    `${p.wouldSend.toLocaleString('en')} message(s) would go${p.firstDueAt ? `, due from ${p.firstDueAt} to ${p.lastDueAt}` : ''}`,
  );
  if (p.coupons)
    io.out(
      `coupons: ${p.coupons.needed.toLocaleString('en')} needed${p.coupons.available === null ? ' (generated)' : `, ${p.coupons.available.toLocaleString('en')} imported codes left`}`,
    );
}

function printReport(io: Io, r: CampaignReportBody): void {
  io.out(`${r.campaign.id}: ${r.campaign.name} — ${r.campaign.status}`);
  const counts = Object.entries(r.byStatus);
  if (!counts.length) io.out('  no messages yet (start it: strata campaign start …)');
  for (const [status, n] of counts) io.out(`  ${status}: ${n.toLocaleString('en')}`);
  for (const [reason, n] of Object.entries(r.byReason))
    io.out(`    ${reasonLabel[reason as SendReason] ?? reason}: ${n.toLocaleString('en')}`);
  if (r.nextDueAt) io.out(`  next message due at ${r.nextDueAt}`);
}

function printMessages(io: Io, messages: MessageLogEntryBody[], next: string | null): void {
  if (!messages.length) return io.out('no messages');
  for (const m of messages)
    io.out(
      [
        m.customer_id,
        m.campaign_id,
        m.status,
        m.reason && m.reason !== 'send' ? m.reason : '',
        m.sent_at ?? `due ${m.due_at}`,
        m.coupon ?? '',
        m.error ?? '',
      ]
        .filter(Boolean)
        .join('  '),
    );
  if (next) io.out(`… more: --after ${next}`);
}

export function registerCampaign(program: Command, io: Io, globals: () => GlobalOptions): void {
  const campaign = program
    .command('campaign')
    .description('create, dry-run, start and follow campaigns (docs/campaigns.md)');

  campaign
    .command('create')
    .description('save a campaign from a JSON file, as a draft')
    .argument('<file.json>', 'the campaign definition ("id" optional)')
    .action(async (file: string) => {
      const g = globals();
      const definition = await readJsonObject(file);
      const c = await onCampaigns(io, g, (b) => b.create(definition));
      if (g.json) return printJson(io, c);
      io.out(`created campaign ${c.id} (draft): ${c.name}`);
      io.out(`  dry run: strata campaign plan ${c.id}`);
    });

  campaign
    .command('update')
    .description("replace a draft's definition from a JSON file")
    .argument('<id>')
    .argument('<file.json>')
    .action(async (id: string, file: string) => {
      const g = globals();
      const definition = await readJsonObject(file);
      const c = await onCampaigns(io, g, (b) => b.update(id, definition));
      if (g.json) return printJson(io, c);
      io.out(`updated campaign ${c.id} (draft): ${c.name}`);
    });

  campaign
    .command('list')
    .description('every campaign and its status')
    .action(async () => {
      const g = globals();
      const list = await onCampaigns(io, g, (b) => b.list());
      if (g.json) return printJson(io, { campaigns: list });
      if (!list.length) return io.out('no campaigns yet (strata campaign create <file.json>)');
      const width = Math.max(...list.map((c) => c.id.length));
      for (const c of list) io.out(`${c.id.padEnd(width)}  ${c.status.padEnd(7)}  ${c.name}`);
    });

  campaign
    .command('show')
    .description("a campaign's status and definition")
    .argument('<id>')
    .action(async (id: string) => {
      const g = globals();
      const c = await onCampaigns(io, g, (b) => b.get(id));
      if (g.json) return printJson(io, c);
      printCampaign(io, c);
    });

  campaign
    .command('plan')
    .description('dry run: how many would be sent now, and how many each guardrail keeps back (nothing is sent)')
    .argument('<id>')
    .action(async (id: string) => {
      const g = globals();
      const p = await onCampaigns(io, g, (b) => b.plan(id));
      if (g.json) return printJson(io, p);
      printPlan(io, p);
    });

  campaign
    .command('start')
    .description('start a draft (or a paused campaign): its audience is recorded and each message queued')
    .argument('<id>')
    .action(async (id: string) => {
      const g = globals();
      const { result, kind } = await onCampaigns(io, g, async (b, kind) => ({ result: await b.start(id), kind }));
      if (g.json) return printJson(io, result);
      io.out(`started ${id}: ${result.queued.toLocaleString('en')} message(s) queued`);
      io.out(
        kind === 'server'
          ? `  the server is sending them: strata campaign report ${id}`
          : '  the server sends them when it runs on this store: strata serve (or npm start)',
      );
    });

  campaign
    .command('pause')
    .description('stop sending a running campaign until it is started again')
    .argument('<id>')
    .action(async (id: string) => {
      const g = globals();
      const c = await onCampaigns(io, g, (b) => b.pause(id));
      if (g.json) return printJson(io, c);
      io.out(`paused ${c.id} (strata campaign start ${c.id} goes on)`);
    });

  campaign
    .command('report')
    .description("a campaign's status and its messages counted by status and reason")
    .argument('<id>')
    .action(async (id: string) => {
      const g = globals();
      const r = await onCampaigns(io, g, (b) => b.report(id));
      if (g.json) return printJson(io, r);
      printReport(io, r);
    });

  campaign
    .command('results')
    .description('orders and revenue the campaign brought in (coupon or last touch) and its uplift over the holdout')
    .argument('<id>')
    .option('--by <group>', `the same measures by group: ${resultBreakdowns.join(', ')}`)
    .option('--segment <names>', 'with --by segment: saved segments (comma-separated) besides the audience segments')
    .action(async (id: string, opts: { by?: string; segment?: string }) => {
      const g = globals();
      const by = opts.by;
      if (by !== undefined && !(resultBreakdowns as readonly string[]).includes(by))
        throw new AppError('invalid', `--by: unknown breakdown "${by}" (known: ${resultBreakdowns.join(', ')})`);
      if (opts.segment !== undefined && by !== ResultBreakdown.segment)
        throw new AppError('invalid', '--segment goes with --by segment');
      const segments = opts.segment
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const ask = {
        ...(by !== undefined ? { by: by as ResultBreakdown } : {}),
        ...(segments?.length ? { segments } : {}),
      };
      const r = await onCampaigns(io, g, (b) => b.results(id, ask));
      if (g.json) return printJson(io, r);
      printResults(io, r);
      if (r.breakdown) printBreakdown(io, r.breakdown);
    });

  campaign
    .command('messages')
    .description('the message log of a campaign (or, with --customer, of one customer), in send-id order')
    .argument('[id]', 'the campaign')
    .option('--customer <id>', "a customer's messages from every campaign instead")
    .option('--limit <n>', 'messages per page', (v) => Number.parseInt(v, 10), 100)
    .option('--after <send-id>', 'the page after this message (printed at the end of a page)')
    .action(async (id: string | undefined, opts: { customer?: string; limit: number; after?: string }) => {
      const g = globals();
      if ((id === undefined) === (opts.customer === undefined))
        throw new AppError('invalid', 'name a campaign, or a customer with --customer');
      const filter = id !== undefined ? { campaign: id } : { customer: opts.customer! };
      const page = { limit: opts.limit, ...(opts.after !== undefined ? { after: opts.after } : {}) };
      const r = await onCampaigns(io, g, (b) => b.messages(filter, page));
      if (g.json) return printJson(io, r);
      printMessages(io, r.messages, r.next_after);
    });

  campaign
    .command('preview')
    .description('the message a customer would get, rendered now (nothing is sent)')
    .argument('<id>')
    .argument('<customer>')
    .action(async (id: string, customer: string) => {
      const g = globals();
      const m = await onCampaigns(io, g, (b) => b.preview(id, customer));
      if (g.json) return printJson(io, m);
      io.out(`To: ${m.to || '(no address)'}`);
      if (m.subject !== undefined) io.out(`Subject: ${m.subject}`);
      for (const [name, value] of Object.entries(m.headers ?? {})) io.out(`${name}: ${value}`);
      if (m.template)
        io.out(`Template: ${m.template.name} (${m.template.language}) ${JSON.stringify(m.template.parameters)}`);
      io.out('');
      io.out(m.text);
    });
}

export function registerCoupons(program: Command, io: Io, globals: () => GlobalOptions): void {
  const coupons = program.command('coupons').description('coupon codes of campaigns');
  coupons
    .command('show')
    .description('a code as a till sees it: whose, which campaign, given when, redeemed or not (and by which order)')
    .argument('<code>')
    .action(async (code: string) => {
      const g = globals();
      const k = await onCampaigns(io, g, (b) => b.coupon(code));
      if (g.json) return printJson(io, k);
      io.out(`${k.code}: campaign ${k.campaign_id} (${k.campaign_name})`);
      io.out(
        k.customer_id !== null && k.issued_at !== null
          ? `  given to ${k.customer_id} at ${k.issued_at}${k.message_id !== null ? ` (message ${k.message_id})` : ''}`
          : '  not given to anyone yet',
      );
      const r = k.redemption;
      io.out(
        r
          ? `  redeemed at ${r.at}${r.order_id !== null ? ` by order ${r.order_id}` : ''} (${r.source === 'order' ? 'an order with the code' : 'reported by a till or shop'})`
          : '  not redeemed',
      );
    });
  coupons
    .command('import')
    .description("add codes made in the shop system to a campaign's pool (a text file, one code a line)")
    .argument('<campaign>')
    .argument('<file>')
    .action(async (campaignId: string, file: string) => {
      const g = globals();
      if (!existsSync(file)) throw new AppError('not_found', `no such file: ${file}`);
      const text = readFileSync(file, 'utf8');
      const r = await onCampaigns(io, g, (b) => b.importCoupons(campaignId, text));
      if (r.rejected.length) process.exitCode = 65;
      if (g.json) return printJson(io, r);
      io.out(
        `added ${r.added.toLocaleString('en')} code(s) to ${campaignId}${r.existing ? `; ${r.existing.toLocaleString('en')} were stored already` : ''}`,
      );
      for (const d of r.rejected) io.err(`  ${file}:${d.line ?? '?'}: ${d.message}`);
      if (r.rejected.length) io.err(`${r.rejected.length} line(s) not imported`);
    });
}
