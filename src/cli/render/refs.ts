import { formatRef, parseRef, type RefDefaults, type RefSyntax } from '../../core/refs.js';

/**
 * References as text output shows them: without the leading project or subscription when it is
 * the default in use, so an Azure line is not half taken up by a 36-character GUID. Machine output
 * keeps the canonical reference. A reference is shortened only when the short form, read back
 * with the same defaults, names the same thing (so a resource group that looks like a GUID keeps
 * its subscription).
 */
export function shortenRef(text: string, syntaxes: readonly RefSyntax[], defaults: RefDefaults): string {
  const colon = text.indexOf(':');
  const slash = text.indexOf('/', colon + 1);
  if (colon <= 0 || slash <= colon + 1) return text;
  const first = text.slice(colon + 1, slash).toLowerCase();
  if (!defaultValues(defaults).some((v) => v.toLowerCase() === first)) return text;
  const short = `${text.slice(0, colon + 1)}${text.slice(slash + 1)}`;
  try {
    const full = formatRef(parseRef(text, syntaxes, 'any', {}));
    return formatRef(parseRef(short, syntaxes, 'any', defaults)) === full ? short : text;
  } catch {
    return text;
  }
}

/** A reference-looking word: `provider:` and then no space, quote, comma, semicolon or bracket. */
const REF_WORD = /(?<![\w-])[a-z][a-z0-9-]*:[^\s"'`,;()[\]<>]+/g;

/** shortenRef for every reference inside a line of text (progress, hints, errors). */
export function shortenRefs(text: string, syntaxes: readonly RefSyntax[], defaults: RefDefaults): string {
  if (defaultValues(defaults).length === 0) return text;
  return text.replace(REF_WORD, (word) => {
    // A reference ends a sentence or leads into one ("…/i-0a:8080: drained"): keep the punctuation out.
    const [, ref, tail] = /^(.*?)([:.]*)$/.exec(word)!;
    return `${shortenRef(ref!, syntaxes, defaults)}${tail}`;
  });
}

function defaultValues(defaults: RefDefaults): string[] {
  return Object.values(defaults).filter((v): v is string => typeof v === 'string' && v !== '');
}
