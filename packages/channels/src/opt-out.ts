/**
 * The replies that withdraw consent for SMS and WhatsApp: the carrier-standard keywords, as the
 * whole message, in any case, spaces around ignored. "stop it please" is not one: only the word.
 */
export const OPT_OUT_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;

const WORDS = new Set<string>(OPT_OUT_WORDS);

/** True when a reply's text is an opt-out keyword. */
export function isOptOutText(text: string | undefined): boolean {
  return text !== undefined && WORDS.has(text.trim().toUpperCase());
}
