/**
 * A tokenizer for NGINX configuration that keeps every token's byte offsets, so an edit can
 * splice the original text and leave everything else (spacing, comments, quoting) as it was.
 * It follows ngx_conf_read_token: `#` starts a comment only where a token could start; inside
 * a bare word `#`, `}` and `${var}` braces are part of the word; a word ends at whitespace,
 * `;` or `{`; quotes may be `"` or `'` with backslash escapes.
 *
 * Text is handled as latin1 (one char per byte), so offsets are byte offsets and any bytes
 * that are not UTF-8 survive a round trip.
 */

export type TokenKind = 'word' | ';' | '{' | '}' | 'comment';

export interface Token {
  readonly kind: TokenKind;
  /** The word's value with quotes and escapes removed; the raw text for the others. */
  readonly value: string;
  /** Byte offsets into the source, [start, end). */
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly quoted: boolean;
}

/** A tokenizing error, with the line it happened on. */
export class ConfigSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`${message} at line ${line}`);
    this.name = 'ConfigSyntaxError';
  }
}

const SPACE = new Set([' ', '\t', '\r', '\n']);

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < source.length) {
    const ch = source[i]!;
    if (SPACE.has(ch)) {
      if (ch === '\n') line += 1;
      i += 1;
      continue;
    }
    const start = i;
    const startLine = line;
    if (ch === ';' || ch === '{' || ch === '}') {
      tokens.push({ kind: ch, value: ch, start, end: i + 1, line, quoted: false });
      i += 1;
      continue;
    }
    if (ch === '#') {
      while (i < source.length && source[i] !== '\n') i += 1;
      tokens.push({ kind: 'comment', value: source.slice(start, i), start, end: i, line, quoted: false });
      continue;
    }
    if (ch === '"' || ch === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= source.length) throw new ConfigSyntaxError(`unterminated ${ch === '"' ? 'double' : 'single'}-quoted string starting`, startLine);
        const c = source[i]!;
        if (c === '\\' && i + 1 < source.length) {
          const next = source[i + 1]!;
          // NGINX keeps the backslash except before the quote, another backslash, or t/r/n.
          value += unescape(next);
          if (next === '\n') line += 1;
          i += 2;
          continue;
        }
        if (c === '\n') line += 1;
        i += 1;
        if (c === ch) break;
        value += c;
      }
      const after = source[i];
      if (after !== undefined && !SPACE.has(after) && after !== ';' && after !== '{' && after !== ')') {
        throw new ConfigSyntaxError(`unexpected "${after}" after a quoted string`, line);
      }
      tokens.push({ kind: 'word', value, start, end: i, line: startLine, quoted: true });
      continue;
    }
    let value = '';
    let variable = false;
    while (i < source.length) {
      const c = source[i]!;
      if (c === '{' && variable) {
        value += c;
        i += 1;
        continue;
      }
      variable = c === '$';
      if (c === '\\' && i + 1 < source.length) {
        value += unescape(source[i + 1]!);
        i += 2;
        continue;
      }
      if (SPACE.has(c) || c === ';' || c === '{') break;
      value += c;
      i += 1;
    }
    tokens.push({ kind: 'word', value, start, end: i, line: startLine, quoted: false });
  }
  return tokens;
}

/** NGINX keeps a backslash except before a quote, another backslash, or t, r, n. */
function unescape(next: string): string {
  if (next === '"' || next === "'" || next === '\\') return next;
  if (next === 't') return '\t';
  if (next === 'r') return '\r';
  if (next === 'n') return '\n';
  return `\\${next}`;
}

/** One directive: its words, how it ends, and for a block, the directives inside. */
export interface Directive {
  readonly name: string;
  /** Argument tokens (words), after the name. */
  readonly args: readonly Token[];
  readonly nameToken: Token;
  /** The `;` or `{` that ends the directive's head. */
  readonly terminator: Token;
  /** For blocks: the directives inside and the closing `}`. */
  readonly children?: readonly Directive[];
  readonly close?: Token;
}

/** Parses tokens into a directive tree; throws ConfigSyntaxError on unbalanced structure. */
export function parseConfig(source: string): Directive[] {
  const tokens = tokenize(source).filter((t) => t.kind !== 'comment');
  let pos = 0;
  const block = (depth: number): { directives: Directive[]; close?: Token } => {
    const directives: Directive[] = [];
    for (;;) {
      const token = tokens[pos];
      if (!token) {
        if (depth > 0) throw new ConfigSyntaxError('unexpected end of file, expecting "}"', tokens[tokens.length - 1]?.line ?? 1);
        return { directives };
      }
      if (token.kind === '}') {
        if (depth === 0) throw new ConfigSyntaxError('unexpected "}"', token.line);
        pos += 1;
        return { directives, close: token };
      }
      if (token.kind !== 'word') throw new ConfigSyntaxError(`unexpected "${token.value}"`, token.line);
      const words: Token[] = [];
      while (tokens[pos]?.kind === 'word') words.push(tokens[pos++]!);
      const terminator = tokens[pos];
      if (!terminator || terminator.kind === '}') {
        throw new ConfigSyntaxError(`directive "${words[0]!.value}" is not terminated by ";"`, words[words.length - 1]!.line);
      }
      pos += 1;
      const head = { name: words[0]!.value, nameToken: words[0]!, args: words.slice(1), terminator };
      if (terminator.kind === '{') {
        const inner = block(depth + 1);
        directives.push({ ...head, children: inner.directives, close: inner.close });
      } else {
        directives.push(head);
      }
    }
  };
  return block(0).directives;
}

/** Every directive in the tree, depth first. */
export function* walk(directives: readonly Directive[]): Generator<Directive> {
  for (const d of directives) {
    yield d;
    if (d.children) yield* walk(d.children);
  }
}
