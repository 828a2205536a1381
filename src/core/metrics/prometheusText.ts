// The Prometheus text exposition format (what node_exporter serves at /metrics):
//   # HELP node_netstat_Tcp_RetransSegs Statistic TcpRetransSegs.
//   # TYPE node_netstat_Tcp_RetransSegs untyped
//   node_netstat_Tcp_RetransSegs 12
//   node_softnet_dropped_total{cpu="0"} 0
// Never throws: lines that are not understood are counted in `bad`.

/** One sample: metric name, labels, value. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromParseResult {
  samples: PromSample[];
  /** Number of non-comment, non-empty lines that could not be parsed. */
  bad: number;
  /** The first bad line (truncated), for error messages. */
  firstBad: string | null;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parsePromValue(s: string): number | null {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return null;
  return Number(s);
}

/** Parse one sample line, or null. */
export function parsePromLine(line: string): PromSample | null {
  const m = NAME.exec(line);
  if (!m) return null;
  const name = m[0];
  let i = name.length;
  const labels: Record<string, string> = Object.create(null);
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const lm = LABEL_NAME.exec(line.slice(i, i + 200));
      if (!lm) return null;
      i += lm[0].length;
      while (line[i] === ' ') i++;
      if (line[i] !== '=') return null;
      i++;
      while (line[i] === ' ') i++;
      if (line[i] !== '"') return null;
      i++;
      let v = '';
      for (;;) {
        if (i >= line.length) return null;
        const c = line[i];
        if (c === '\\') {
          const n = line[i + 1];
          if (n === undefined) return null;
          v += n === 'n' ? '\n' : n;
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          v += c;
          i++;
        }
      }
      labels[lm[0]] = v;
      while (line[i] === ' ') i++;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') return null;
    }
  }
  if (line[i] !== ' ' && line[i] !== '\t') return null;
  const rest = line.slice(i).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2) return null;
  const value = parsePromValue(rest[0]);
  if (value === null) return null;
  if (rest.length === 2 && !/^-?\d+$/.test(rest[1])) return null;
  return { name, labels, value };
}

export function parsePromText(text: string): PromParseResult {
  const samples: PromSample[] = [];
  let bad = 0;
  let firstBad: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const s = parsePromLine(line);
    if (s) samples.push(s);
    else {
      bad++;
      if (firstBad === null) firstBad = line.slice(0, 80);
    }
  }
  return { samples, bad, firstBad };
}
