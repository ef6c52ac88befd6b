// The SMTP server of bench/campaigns.js, in its own process: a real smtp-server on 127.0.0.1 (no
// TLS, no login) that takes every message whole and counts it. Prints {"port"} as a JSON line when
// listening; on a line "stop" on stdin prints {"received", "bytes", "recipients"} and exits.
//
//   node bench/smtp-sink.js
import { createInterface } from 'node:readline';
import { SMTPServer } from 'smtp-server';

let received = 0;
let bytes = 0;
const recipients = new Set();
const server = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  closeTimeout: 200,
  size: 1024 * 1024,
  onData(stream, session, callback) {
    stream.on('data', (/** @type {Buffer} */ chunk) => {
      bytes += chunk.length;
    });
    stream.on('end', () => {
      received++;
      for (const r of session.envelope.rcptTo) recipients.add(r.address);
      callback(null, 'Ok: queued');
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.server.address().port })}\n`);
});
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'stop') return;
  process.stdout.write(`${JSON.stringify({ received, bytes, recipients: recipients.size })}\n`);
  server.close(() => process.exit(0));
});
