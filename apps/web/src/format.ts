/** Numbers as people read them on the pages. */
const whole = new Intl.NumberFormat('en');
const money = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const count = (n: number): string => whole.format(n);
export const amount = (n: number): string => money.format(n);
export const percent = (share: number, digits = 1): string => `${(share * 100).toFixed(digits)}%`;
/** A time as a date (and time when it has one), in the viewer's zone. */
export const when = (iso: string | null | undefined): string => {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 10);
};
/** `at_risk` → `at risk`: the store's names, spaced for reading. */
export const label = (name: string): string => name.replaceAll('_', ' ');
/** A value of unknown shape from a JSON answer, as text. */
export const scalar = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
      ? String(v)
      : v === null || v === undefined
        ? '–'
        : JSON.stringify(v);
