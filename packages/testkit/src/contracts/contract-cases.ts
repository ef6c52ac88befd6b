import { it } from 'vitest';

/**
 * A contract case an adapter does not meet, with the reason written down (Hono's router suite does
 * the same): `skip` leaves the case out, `fails` runs it expecting it to fail, so the day the
 * adapter is fixed the suite says so and the entry has to go.
 */
export interface ContractException<Case extends string> {
  readonly reason: string;
  readonly cases: readonly Case[];
}

export interface ContractExceptions<Case extends string> {
  readonly skip?: readonly ContractException<Case>[];
  readonly fails?: readonly ContractException<Case>[];
}

/** Registers one case as `it`, `it.skip` (title carries the reason) or `it.fails`. */
export function contractCase<Case extends string>(
  titles: Record<Case, string>,
  exceptions: ContractExceptions<Case>,
  name: Case,
  body: () => Promise<void>,
): void {
  const skipped = exceptions.skip?.find((e) => e.cases.includes(name));
  const failing = exceptions.fails?.find((e) => e.cases.includes(name));
  if (skipped && failing) throw new Error(`contract case "${name}" is both skipped and expected to fail`);
  if (skipped) it.skip(`${titles[name]} — skipped: ${skipped.reason}`, body);
  else if (failing) it.fails(`${titles[name]} — known failure: ${failing.reason}`, body);
  else it(titles[name], body);
}

/** Every exception must name a reason; an empty one is a defect in the adapter's test. */
export function checkExceptions<Case extends string>(exceptions: ContractExceptions<Case>): void {
  for (const e of [...(exceptions.skip ?? []), ...(exceptions.fails ?? [])]) {
    if (!e.reason.trim()) throw new Error(`a contract exception for ${e.cases.join(', ')} has no reason`);
  }
}
