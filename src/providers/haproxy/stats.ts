/**
 * Parsers for the two runtime API answers drainctl reads. Columns are looked up by header
 * name: HAProxy appends columns between versions and documents only the names as stable.
 */

/** One server row of `show stat <backend> 4 -1`. */
export interface StatRow {
  readonly backend: string;
  readonly server: string;
  readonly qcur: number;
  readonly scur: number;
  /** UP, DOWN, DRAIN, MAINT, NOLB, "no check", "UP 1/3", "DRAIN (agent)"… */
  readonly status: string;
  readonly weight: number | undefined;
  readonly address: string | undefined;
}

/** One row of `show servers state <backend>`. */
export interface ServerStateRow {
  readonly backend: string;
  readonly server: string;
  readonly address: string;
  /** 0 stopped, 1 starting, 2 running, 3 stopping. */
  readonly opState: number;
  /** Bitmask: 0x01 FMAINT, 0x02 IMAINT, 0x04 CMAINT, 0x08 FDRAIN, 0x10 IDRAIN, 0x20 RMAINT, 0x40 HMAINT. */
  readonly adminState: number;
  readonly userWeight: number;
  readonly initialWeight: number;
  readonly port: number | undefined;
}

/** True when the text is the CSV HAProxy gives for `show stat`. */
export function looksLikeStat(text: string): boolean {
  return text.startsWith('# pxname,svname,');
}

/** True when the text is HAProxy's `show servers state` answer (format version 1). */
export function looksLikeServersState(text: string): boolean {
  return /^1\n# be_id be_name srv_id srv_name /.test(text);
}

/** Parses the server rows of `show stat` CSV (backend and frontend rows are skipped). */
export function parseStat(text: string): StatRow[] {
  const lines = text.split('\n').filter((l) => l !== '');
  const header = splitCsv((lines[0] ?? '').replace(/^# /, ''));
  const col = (name: string): number => header.indexOf(name);
  const at = { pxname: col('pxname'), svname: col('svname'), qcur: col('qcur'), scur: col('scur'), status: col('status'), weight: col('weight'), uweight: col('uweight'), addr: col('addr'), type: col('type') };
  if (at.pxname < 0 || at.svname < 0 || at.scur < 0 || at.status < 0) throw new Error('show stat header lacks pxname, svname, scur or status');
  const rows: StatRow[] = [];
  for (const line of lines.slice(1)) {
    const f = splitCsv(line);
    const field = (i: number): string => (i >= 0 ? f[i] ?? '' : '');
    const server = field(at.svname);
    // type 2 is a server; older versions without the column name backends/frontends by svname.
    if (at.type >= 0 ? field(at.type) !== '2' : server === 'BACKEND' || server === 'FRONTEND') continue;
    rows.push({
      backend: field(at.pxname),
      server,
      qcur: toInt(field(at.qcur)) ?? 0,
      scur: toInt(field(at.scur)) ?? 0,
      status: field(at.status),
      weight: toInt(field(at.uweight)) ?? toInt(field(at.weight)),
      address: field(at.addr) || undefined,
    });
  }
  return rows;
}

/** Parses `show servers state` (space-separated, header line starting with `#`). */
export function parseServersState(text: string): ServerStateRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const headerLine = lines.find((l) => l.startsWith('#'));
  if (!headerLine) throw new Error('show servers state answer has no header');
  const header = headerLine.replace(/^#\s*/, '').split(/\s+/);
  const col = (name: string): number => header.indexOf(name);
  const at = { be: col('be_name'), srv: col('srv_name'), addr: col('srv_addr'), op: col('srv_op_state'), admin: col('srv_admin_state'), uw: col('srv_uweight'), iw: col('srv_iweight'), port: col('srv_port') };
  if (at.be < 0 || at.srv < 0 || at.op < 0 || at.admin < 0) throw new Error('show servers state header lacks be_name, srv_name, srv_op_state or srv_admin_state');
  return lines
    .filter((l) => !l.startsWith('#') && l.includes(' '))
    .map((line) => {
      const f = line.split(' ');
      const field = (i: number): string => (i >= 0 ? f[i] ?? '' : '');
      return {
        backend: field(at.be),
        server: field(at.srv),
        address: field(at.addr),
        opState: toInt(field(at.op)) ?? -1,
        adminState: toInt(field(at.admin)) ?? 0,
        userWeight: toInt(field(at.uw)) ?? 0,
        initialWeight: toInt(field(at.iw)) ?? 0,
        port: toInt(field(at.port)),
      };
    });
}

function toInt(text: string): number | undefined {
  return /^-?\d+$/.test(text) ? Number(text) : undefined;
}

/** Splits one CSV line; HAProxy quotes a field with `"` when it holds a comma or a quote. */
export function splitCsv(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}
