/**
 * Untrusted text (a reference as typed, a peer's reply, a command's output) goes into one-line
 * messages that end up on a terminal, in logs and in the ledger. Written raw, an escape
 * sequence in it could recolour or rewrite the screen, and a CR or LF could forge a line.
 */

/** Longest untrusted text a message carries, in characters before escaping. */
export const QUOTE_MAX_LENGTH = 200;

// C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), the Unicode line and paragraph
// separators, and the bidirectional overrides and isolates that reorder what follows them.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

/** The text with every control character escaped (`\n`, `\e`, `\x07`, `\u202e`), cut to `max` characters with "…". */
export function printable(text: string, max = QUOTE_MAX_LENGTH): string {
  return escape(text, max, false);
}

/** The text in double quotes for a one-line message: printable, with `"` and `\` escaped too. */
export function quote(text: string, max = QUOTE_MAX_LENGTH): string {
  return `"${escape(text, max, true)}"`;
}

function escape(text: string, max: number, quoted: boolean): string {
  const chars = [...text];
  const shown = chars.slice(0, max).map((c) => {
    if (quoted && (c === '"' || c === '\\')) return `\\${c}`;
    if (!UNSAFE.test(c)) return c;
    return NAMED[c] ?? escapeCode(c.charCodeAt(0));
  });
  return shown.join('') + (chars.length > max ? '…' : '');
}

function escapeCode(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
