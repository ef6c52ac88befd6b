// The server of bench/live.js, in its own process: what `strata serve --live` starts (startServer
// with the live engine; keys from STRATA_WRITE_KEY and STRATA_API_KEY), plus what no route shows,
// as JSON lines on stdout: each step's report and where its time went, and every 250 ms the
// backlog (customers waiting in live_pending, re-checks overdue in live_due) and the membership
// changes that became visible since, read on a read connection of the store, as any reader sees them.
//
//   node bench/live-server.js <db>      (stops on SIGTERM)
import { startServer } from '@strata/server';

const db = process.argv[2];
if (!db) throw new Error('usage: node bench/live-server.js <db>');
const emit = (o) => process.stdout.write(`${JSON.stringify({ ...o, t: Date.now() })}\n`);
let phases = [];
let cursor; // the last change seq read; set once the first recompute is done
const server = await startServer({
  dbPath: db,
  port: 0,
  live: true,
  log: (line) => {
    emit({ log: line, phases });
    phases = [];
    if (line.startsWith('live: profiled')) void startSampling();
  },
  onLivePhase: (phase, ms, segment) => phases.push([phase, Math.round(ms * 10) / 10, segment]),
  onLiveStep: (step) => {
    emit({ step, phases });
    phases = [];
  },
});
emit({ url: server.url });

const read = (sql, params = []) => server.store.read(sql, params, { timeoutMs: 10_000 });
let sampling = false;
let stopping = false;
async function startSampling() {
  if (sampling) return;
  sampling = true;
  cursor = Number((await read('SELECT coalesce(max(seq), 0) AS s FROM segment_changes'))[0].s);
  emit({ ready: true, cursor });
  let lastBacklog = 0;
  while (!stopping) {
    try {
      const changes = await read(
        `SELECT seq, customer_id, segment_id, kind, cause, ref, strftime("at", '%Y-%m-%dT%H:%M:%S.%gZ') AS "at"
         FROM segment_changes WHERE seq > $1 ORDER BY seq LIMIT 20000`,
        [cursor],
      );
      if (changes.length) {
        cursor = Number(changes.at(-1).seq);
        emit({ changes: changes.map((c) => [c.customer_id, c.segment_id, c.kind, c.cause, c.ref, c.at]) });
      }
      if (Date.now() - lastBacklog >= 250) {
        lastBacklog = Date.now();
        const [b] = await read(
          `SELECT (SELECT count(DISTINCT customer_id) FROM live_pending)::INTEGER AS pending,
                  (SELECT count(*) FROM live_due WHERE due_at <= now())::INTEGER AS overdue,
                  (SELECT count(*) FROM events)::BIGINT AS events, (SELECT count(*) FROM orders)::BIGINT AS orders`,
        );
        emit({
          backlog: { pending: b.pending, overdue: b.overdue, events: Number(b.events), orders: Number(b.orders) },
        });
      }
    } catch (e) {
      if (!stopping) emit({ error: e instanceof Error ? e.message : String(e) });
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

process.once('SIGTERM', () => {
  stopping = true;
  server.close().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
});
