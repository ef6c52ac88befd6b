#!/usr/bin/env node
// Each running DuckDB statement holds a libuv worker thread (the writer, the segment-query and
// status connections), as do file reads: the default 4 leaves a health check waiting behind an
// import. Set before anything uses the pool (cli.js is imported below, after this line).
process.env.UV_THREADPOOL_SIZE ??= '16';
const { run } = await import('./cli.js');

// Everything this process creates is its owner's only: the store holds customers' personal data
// and the webhook secret, and DuckDB creates its write-ahead log and spill files itself, again
// after every checkpoint, with the process's umask (the store's own open can only chmod what exists).
process.umask(0o077);

// Output piped into a reader that stops early (`strata segment eval … | head`): stop quietly, as
// Unix tools do, instead of crashing on the write to a closed pipe.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const code = await run(process.argv.slice(2));
// Commands that serve keep the process alive on their own; everything else ends here.
if (code !== 0) process.exit(code);
