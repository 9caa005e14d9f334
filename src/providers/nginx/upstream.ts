import { type Directive, parseConfig, type Token, walk } from './tokenizer.js';

/** One `server` line of an upstream block. */
export interface UpstreamServer {
  /** The address as written: `127.0.0.1:3001`, `app.internal:8080`, `[::1]:3001`, `unix:/run/app.sock`. */
  readonly address: string;
  /** Its parameters other than `down`, as written (`weight=2`, `max_fails=3`, `backup`). */
  readonly parameters: readonly string[];
  readonly down: boolean;
  readonly line: number;
  readonly directive: Directive;
}

/** One `upstream <name> { … }` block. */
export interface UpstreamBlock {
  readonly name: string;
  readonly servers: readonly UpstreamServer[];
  readonly line: number;
}

/** Every upstream block in a file (at any depth: http, stream, or the top of an included file). */
export function findUpstreams(source: string): UpstreamBlock[] {
  const blocks: UpstreamBlock[] = [];
  for (const d of walk(parseConfig(source))) {
    if (d.name !== 'upstream' || !d.children || d.args.length !== 1) continue;
    const servers = d.children
      .filter((c) => c.name === 'server' && c.args.length > 0 && c.terminator.kind === ';')
      .map((c) => ({
        address: c.args[0]!.value,
        parameters: c.args.slice(1).map((a) => a.value).filter((v) => v !== 'down'),
        down: c.args.slice(1).some((a) => a.value === 'down'),
        line: c.nameToken.line,
        directive: c,
      }));
    blocks.push({ name: d.args[0]!.value, servers, line: d.nameToken.line });
  }
  return blocks;
}

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Adds (`down` true) or removes the `down` parameter on the server lines with these addresses
 * in one upstream block, changing nothing else. Adding writes ` down` right after the last
 * parameter; removing takes out the word and the spaces before it on its line, so an add
 * followed by a remove gives back the original bytes.
 */
export function setDown(source: string, upstream: string, addresses: readonly string[], down: boolean): string {
  const block = findUpstreams(source).find((b) => b.name === upstream);
  if (!block) return source;
  const wanted = new Set(addresses);
  const splices: Splice[] = [];
  for (const server of block.servers) {
    if (!wanted.has(server.address)) continue;
    const args = server.directive.args;
    if (down && !server.down) {
      splices.push({ start: args[args.length - 1]!.end, end: args[args.length - 1]!.end, text: ' down' });
    } else if (!down && server.down) {
      args.forEach((arg, i) => {
        if (i > 0 && arg.value === 'down') splices.push(removal(source, args[i - 1]!, arg));
      });
    }
  }
  return splices
    .sort((a, b) => b.start - a.start)
    .reduce((text, s) => text.slice(0, s.start) + s.text + text.slice(s.end), source);
}

/** The range that removes `word`: from the end of the previous word when only spaces lie between, else the spaces before it on its line. */
function removal(source: string, previous: Token, word: Token): Splice {
  const between = source.slice(previous.end, word.start);
  if (/^[ \t]*$/.test(between)) return { start: previous.end, end: word.end, text: '' };
  let start = word.start;
  while (start > previous.end && (source[start - 1] === ' ' || source[start - 1] === '\t')) start -= 1;
  return { start, end: word.end, text: '' };
}

/** The top-level (main context) value of a simple directive such as `pid` or `worker_shutdown_timeout`. */
export function mainDirective(source: string, name: string): string | undefined {
  return parseConfig(source).find((d) => d.name === name && !d.children)?.args[0]?.value;
}
