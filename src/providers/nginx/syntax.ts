import { usageError } from '../../core/errors.js';
import { quote } from '../../core/quote.js';
import type { RefSyntax } from '../../core/refs.js';

/**
 * NGINX references: `nginx:<upstream file>/<upstream>/<server address>`, group
 * `nginx:<upstream file>/<upstream>`. The file is an absolute path; the upstream is the
 * segment before the last, the server address (as written on its `server` line) the last.
 * A whole group is told from a target the way HAProxy socket paths are: the file path ends
 * at its first segment named `*.conf`, or where it is followed by `//`.
 */

/** A group reference as its parts. */
export interface NginxGroup {
  readonly file: string;
  readonly upstream: string;
}

const UPSTREAM = /^[A-Za-z0-9_.:-]+$/;
/** A server address as written: host[:port], [v6][:port]; no `/` (so `unix:` sockets cannot be named), no control characters. */
const ADDRESS = /^[^\s/;{}#"'\\\u0000-\u001f\u007f-\u009f]+$/;
const CONF_NAME = /\.conf$/i;
const EXAMPLE = 'nginx:/etc/nginx/conf.d/upstreams.conf/app/10.0.1.12:8080';

/** Splits a canonical group (`<file>/<upstream>`) into its parts. */
export function parseNginxGroup(group: string): NginxGroup {
  const slash = group.lastIndexOf('/');
  const upstream = slash < 0 ? '' : group.slice(slash + 1);
  let file = slash < 0 ? group : group.slice(0, slash);
  if (file.endsWith('/')) file = file.slice(0, -1); // the `//` marker
  if (group.split('/').some((segment) => segment.startsWith('unix:'))) {
    throw usageError('a server on a unix socket ("unix:/…") cannot be named in a reference: its address contains "/"', 'see every server of the upstream with: drainctl status nginx:<upstream file>/<upstream>');
  }
  if (!file.startsWith('/') || upstream === '' || file.includes('//')) {
    throw usageError(`${quote(group)} is not <absolute path of the upstream file>/<upstream name>`, `example: ${EXAMPLE}`);
  }
  if (!UPSTREAM.test(upstream)) throw usageError(`${quote(upstream)} is not an upstream name (letters, digits, "-", "_", ".", ":")`, `example: ${EXAMPLE}`);
  return { file, upstream };
}

export const nginxSyntax: RefSyntax = {
  provider: 'nginx',
  groupNoun: 'upstream',
  targetNoun: 'server',
  groupExample: 'nginx:/etc/nginx/conf.d/upstreams.conf/app',
  targetExample: EXAMPLE,
  parseGroup(group) {
    parseNginxGroup(group);
    return group;
  },
  parseTarget(target) {
    if (!ADDRESS.test(target)) throw usageError(`${quote(target)} is not a server address as written on a "server" line`, `example: ${EXAMPLE}`);
    return target;
  },
  isWholeGroup(body) {
    const double = body.indexOf('//');
    let rest: string | undefined = double >= 0 ? body.slice(double + 2) : undefined;
    if (rest === undefined) {
      const segments = body.split('/');
      const at = segments.findIndex((s, i) => i > 0 && CONF_NAME.test(s));
      if (at > 0) rest = segments.slice(at + 1).join('/');
    }
    return rest !== undefined && rest !== '' && !rest.includes('/');
  },
};
