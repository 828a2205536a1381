// The counter map as a cache section (one JSON document: a few thousand sites), read back as an
// object answering the same questions as CounterMap.
import { CorruptCache } from '../index/factsCodec.ts';
import type { CounterInfo, CounterMap, CounterSite, StatsMacro } from './counterMap.ts';

/** What the CLI, the map and the extension ask of the counter map. */
export interface CounterQueries {
  readonly counters: ReadonlyMap<string, CounterInfo>;
  readonly macros: ReadonlyMap<string, StatsMacro>;
  readonly tables: readonly { name: string; file: string; items: number; sentinel: boolean }[];
  counterSites(counter: string): CounterSite[];
  functionCounters(fn: string): CounterSite[];
  names(): string[];
}

interface Encoded {
  format: 1;
  counters: CounterInfo[];
  macros: StatsMacro[];
  tables: CounterQueries['tables'];
  sites: CounterSite[];
  byCounter: [string, number[]][];
  byFunction: [string, number[]][];
}

export function encodeCounters(cm: CounterMap): Encoded {
  const sites: CounterSite[] = [];
  const index = new Map<CounterSite, number>();
  const ref = (s: CounterSite) => {
    let i = index.get(s);
    if (i === undefined) {
      i = sites.length;
      sites.push(s);
      index.set(s, i);
    }
    return i;
  };
  const lists = cm.siteLists();
  const byCounter = [...lists.byCounter].map(([k, v]): [string, number[]] => [k, v.map(ref)]);
  const byFunction = [...lists.byFunction].map(([k, v]): [string, number[]] => [k, v.map(ref)]);
  return { format: 1, counters: [...cm.counters.values()], macros: [...cm.macros.values()], tables: cm.tables, sites, byCounter, byFunction };
}

export class StoredCounters implements CounterQueries {
  readonly counters: Map<string, CounterInfo>;
  readonly macros: Map<string, StatsMacro>;
  readonly tables: CounterQueries['tables'];
  private readonly byCounter: Map<string, CounterSite[]>;
  private readonly byFunction: Map<string, CounterSite[]>;

  constructor(e: Encoded) {
    if (!e || e.format !== 1 || !Array.isArray(e.counters) || !Array.isArray(e.sites) || !Array.isArray(e.byCounter) || !Array.isArray(e.byFunction)) throw new CorruptCache('counter section has the wrong shape');
    const site = (i: number) => {
      const s = e.sites[i];
      if (!s) throw new CorruptCache('counter site reference out of range');
      return s;
    };
    this.counters = new Map(e.counters.map((c) => [c.counter, c]));
    this.macros = new Map((e.macros ?? []).map((m) => [m.name, m]));
    this.tables = e.tables ?? [];
    this.byCounter = new Map(e.byCounter.map(([k, v]) => [k, v.map(site)]));
    this.byFunction = new Map(e.byFunction.map(([k, v]) => [k, v.map(site)]));
  }

  counterSites(counter: string): CounterSite[] {
    return this.byCounter.get(counter) ?? [];
  }

  functionCounters(fn: string): CounterSite[] {
    return this.byFunction.get(fn) ?? [];
  }

  names(): string[] {
    return [...this.counters.keys()];
  }
}
