import type { Command } from 'commander';
import { startServer, type RunningServer } from '@strata/server';
import type { GlobalOptions, Io } from '../context.js';

export interface ServeOptions {
  host: string;
  port: number;
}

/** Serves until SIGINT/SIGTERM, then closes the store cleanly. */
export async function serveUntilStopped(io: Io, globals: GlobalOptions, opts: ServeOptions): Promise<RunningServer> {
  const db = globals.db;
  const server = await startServer({ dbPath: db, host: opts.host, port: opts.port, clock: globals.clock });
  io.out(`Strata is serving ${db} on ${server.url}`);
  io.out(`  health:     ${server.url}/health`);
  io.out(`  stats:      ${server.url}/v1/stats`);
  io.out(`  write key:  ${server.keys.writeKey}   (Segment-spec /v1/batch, HTTP Basic user name)`);
  io.out(`  API key:    stored in ${db}.server.json while serving`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return server;
}

export function addServeOptions(cmd: Command): Command {
  return cmd
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', (v) => Number.parseInt(v, 10), Number(process.env.PORT ?? 7300));
}

export function registerServe(program: Command, io: Io, globals: () => GlobalOptions): void {
  addServeOptions(program.command('serve').description('serve the HTTP API over the store')).action(
    async (opts: ServeOptions) => {
      await serveUntilStopped(io, globals(), opts);
    },
  );
}
