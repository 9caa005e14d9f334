import type { ChalkInstance } from 'chalk';

/**
 * How text output dresses what a command shows: states in colour (when colour is on) and
 * references shortened against the defaults in use. Commands that lay out tables apply it to
 * each cell before the layout, so columns stay aligned.
 */
export interface TextStyle {
  /** A drain state in its colour: active green, draining yellow, drained and absent dim, unknown and abandoned red. */
  state(state: string): string;
  /** A reference as text output shows it (see shortenRef). */
  ref(text: string): string;
}

/** No colour, references as they are: for machine formats and tests. */
export const PLAIN_STYLE: TextStyle = { state: (s) => s, ref: (r) => r };

/** A style from a chalk instance (its level decides whether any colour is written) and a reference shortener. */
export function createTextStyle(color: ChalkInstance, ref: (text: string) => string): TextStyle {
  const paint: Record<string, (text: string) => string> = {
    active: color.green,
    draining: color.yellow,
    drained: color.dim,
    absent: color.dim,
    unknown: color.red,
    abandoned: color.red,
  };
  return { state: (s) => (paint[s] ?? String)(s), ref };
}
