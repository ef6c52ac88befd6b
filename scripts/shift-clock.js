/*
 * Test support only: moves the wall clock of this process, and of every Node process it starts
 * (it is loaded through NODE_OPTIONS=--import), STRATA_TEST_CLOCK_SHIFT_DAYS days ahead.
 * `npm test` runs the suite a second time with it, two years ahead, so a test that reads
 * today's date instead of an injected clock or a fixed as-of time fails on a clean clone today
 * rather than on some later day. Strata's own code never reads the variable.
 */
const days = Number(process.env.STRATA_TEST_CLOCK_SHIFT_DAYS ?? 0);
if (Number.isFinite(days) && days !== 0) {
  const shift = days * 86_400_000;
  const RealDate = globalThis.Date;
  const shiftedNow = () => RealDate.now() + shift;
  globalThis.Date = new Proxy(RealDate, {
    construct: (_target, args) => (args.length ? new RealDate(.../** @type {[number]} */ (args)) : new RealDate(shiftedNow())),
    apply: () => new RealDate(shiftedNow()).toString(),
    /** @returns {unknown} */
    get: (target, prop, receiver) => (prop === 'now' ? shiftedNow : Reflect.get(target, prop, receiver)),
  });
}
