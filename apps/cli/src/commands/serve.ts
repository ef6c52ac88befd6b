import type { Command } from 'commander';
import type * as ServerModule from '@strata/server';
import type { KeyStatus, RunningServer } from '@strata/server';
import type { GlobalOptions, Io } from '../context.js';

export interface ServeOptions {
  host: string;
  port: number;
  /** Run the live engine (docs/live.md): profiles and saved segments follow each event and the passing of time. */
  live?: boolean;
  /** While the store has no staff account, make an owner with this email and show its password once (`strata start`). */
  firstOwner?: string;
}

/** After SIGINT/SIGTERM the process ends within this, whatever is running. */
const STOP_DEADLINE_MS = 8000;

/** Serves until SIGINT/SIGTERM, then closes the store cleanly. */
export async function serveUntilStopped(io: Io, globals: GlobalOptions, opts: ServeOptions): Promise<RunningServer> {
  const db = globals.db;
  const { keyTitle, keyVariable, startServer, webhookSecretHelp } = await import('@strata/server');
  const server = await startServer({
    dbPath: db,
    host: opts.host,
    port: opts.port,
    clock: globals.clock,
    live: opts.live === true,
    log: (line) => io.out(line),
    ...(opts.firstOwner ? { firstOwner: opts.firstOwner } : {}),
  });
  const staffCount = await server.access.staff.count();
  // One write, so whoever reads the first line has the keys with it.
  io.out(
    [
      `Strata is serving ${db} on ${server.url}`,
      `  dashboard:  ${server.url}/`,
      `  health:     ${server.url}/health`,
      `  stats:      ${server.url}/v1/stats`,
      `  channels:   ${server.channels
        .list()
        .map((c) => `${c.channel} → ${c.provider}${c.provider === 'outbox' ? ` (${String(c.settings.dir)})` : ''}`)
        .join(', ')}`,
      ...server.keys.status().flatMap((k) => describeKey(k, { keyTitle, keyVariable, webhookSecretHelp })),
      server.firstOwner
        ? `  owner:      ${server.firstOwner.email}, password ${server.firstOwner.password}   (new, shown only now: keep it; log in to the dashboard with it, \`strata staff add\` adds others)`
        : staffCount
          ? `  staff:      ${staffCount} account${staffCount === 1 ? '' : 's'} (\`strata staff list\`)`
          : '  staff:      no accounts yet: `strata staff add <email> --role owner` adds one to log in to the dashboard with',
    ].join('\n'),
  );
  const stop = () => {
    // The server stops its queries and gives writes in flight two seconds (see startServer); should
    // anything still hang, the process ends anyway: the store replays its log on the next open, as
    // after a kill, and nothing unacknowledged was promised to anyone.
    setTimeout(() => {
      io.err(`Strata did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting (the store recovers on the next start)`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        io.err(`Strata stopped with an error: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return server;
}

const use: Record<KeyStatus['name'], string> = {
  'write-key': 'Segment-spec /v1/batch etc., as the HTTP Basic user name',
  'api-key': 'the admin API, as Authorization: Bearer',
  'webhook-secret': 'checks the Shopify order webhook signature',
};

/** What serve says of a key: in full only when made at this start, the one time it is shown. */
function describeKey(
  k: KeyStatus,
  { keyTitle, keyVariable, webhookSecretHelp }: Pick<typeof ServerModule, 'keyTitle' | 'keyVariable' | 'webhookSecretHelp'>,
): string[] {
  const label = `  ${`${keyTitle[k.name]}:`.padEnd(11)} `;
  const lines: string[] = [];
  if (k.created) lines.push(`${label}${k.created}   (new, shown only now: keep it; ${use[k.name]})`);
  else if (k.source === 'environment') lines.push(`${label}from ${keyVariable[k.name]}`);
  else if (k.source === 'options') lines.push(`${label}given by the caller`);
  else if (k.source === 'store' && k.name === 'webhook-secret')
    lines.push(`${label}set (\`strata keys set webhook-secret\` replaces it)`);
  else if (k.source === 'store')
    lines.push(`${label}kept as a hash, shown only when made (\`strata keys rotate ${k.name}\` makes a new one)`);
  else lines.push(`${label}not set: the Shopify order webhook answers 503 until it is.`, `    ${webhookSecretHelp}`);
  if (k.wasPlain)
    lines.push(
      `    note: an earlier Strata kept this ${keyTitle[k.name]} in plain text in the store; copies and backups of the file from then still hold it. \`strata keys rotate ${k.name}\` makes them worthless.`,
    );
  return lines;
}

export function addServeOptions(cmd: Command): Command {
  return cmd
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--live', 'keep profiles and saved segments current as data arrives and time passes (docs/live.md)')
    .option('--port <port>', 'port to listen on', (v) => Number.parseInt(v, 10), Number(process.env.PORT ?? 7300));
}

export function registerServe(program: Command, io: Io, globals: () => GlobalOptions): void {
  addServeOptions(program.command('serve').description('serve the HTTP API over the store')).action(
    async (opts: ServeOptions) => {
      await serveUntilStopped(io, globals(), opts);
    },
  );
}
