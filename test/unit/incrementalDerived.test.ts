// Incremental derived state: after random edits of a small C tree (calls added and removed, functions
// added and renamed, ops-table entries, counter increments, lines moved, a counter's name changed on
// its line), the sections a store updated in place are byte for byte what a build from scratch on the
// same index saves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { grammar, repoRoot, scratch } from '../helpers.ts';
import { openIndex, scopeKey, type IndexSession } from '../../src/core/index/indexer.ts';
import { DerivedStore, DERIVED_SECTIONS, type DerivedUpdate } from '../../src/core/map/derivedStore.ts';
import { inputsOf, reindexDerived } from '../../src/core/map/derivedSession.ts';
import { graphsFrom } from '../../src/core/map/graphs.ts';
import { MapBuilder } from '../../src/core/map/mapModel.ts';
import { SectionFile } from '../../src/core/index/sectionFile.ts';
import { diffFacts } from '../../src/core/index/factsDiff.ts';
import { emptyFacts } from '../../src/core/index/facts.ts';

const EDITED = 'net/ipv4/tcp_edit.c';

/** The fixture with indirect calls, plus counter tables, statistics macros, registrations and a file to edit. */
function editTree(): string {
  const tree = join(scratch(), 'tree');
  cpSync(join(repoRoot, 'test/fixtures/indirect'), tree, { recursive: true });
  const base = join(repoRoot, 'test/fixtures/tree');
  for (const f of ['include/net/snmp.h', 'net/ipv4/proc.c', 'net/ipv4/tcp_output.c']) cpSync(join(base, f), join(tree, f));
  cpSync(join(base, 'net/ipv4/af_inet.c'), join(tree, 'net/ipv4/af_inet_reg.c'));
  // a macro edge (`twin` → twin_target through TWIN_CALL) proposed by files before and after the edited one
  writeFileSync(join(tree, 'include/net/twin.h'), '#define TWIN_CALL(x) twin_target(x)\n');
  writeFileSync(join(tree, 'net/core/twin_target.c'), 'int twin_target(struct sock *sk)\n{\n\treturn 0;\n}\n');
  writeFileSync(join(tree, 'net/ipv4/tcp_a_twin.c'), twinText(true));
  writeFileSync(join(tree, 'net/ipv4/tcp_z_twin.c'), twinText(true));
  return tree;
}

const twinText = (uses: boolean) => `#include <net/twin.h>\nstatic int twin(struct sock *sk)\n{\n${uses ? '\tTWIN_CALL(sk);\n' : ''}\treturn 0;\n}\n`;

/** A seeded generator (mulberry32): the same edits every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Fn {
  name: string;
  body: string[];
}

/** The edited file as a model: functions with statement lines, an ops table's entries. */
class EditFile {
  fns: Fn[] = [
    { name: 'edit_send', body: ['tcp_snat_handler(skb);', 'TCP_INC_STATS(sock_net(sk), TCP_MIB_INSEGS);', 'sk->sk_data_ready(sk);'] },
    { name: 'edit_recv', body: ['edit_send(sk, skb);', 'ip_make_skb_data(sk, skb);'] },
    { name: 'edit_close', body: ['edit_recv(sk, skb);'] },
    { name: 'twin', body: [] },
  ];
  ops: string[] = ['.release = edit_close,'];
  header: string[] = ['// SPDX-License-Identifier: GPL-2.0', '#include <net/sock.h>', '#include <net/twin.h>'];
  text(): string {
    const out = [...this.header, ''];
    for (const f of this.fns) out.push(`int ${f.name}(struct sock *sk, struct sk_buff *skb)`, '{', ...f.body.map((b) => '\t' + b), '\treturn 0;', '}', '');
    out.push('const struct proto_ops edit_ops = {', ...this.ops.map((o) => '\t' + o), '};', '');
    return out.join('\n');
  }
}

/** local: nothing rebuilt; 'graph': the call graph updated in place (layers may fall back on placement votes). */
type Edit = { kind: string; local: boolean | 'graph'; apply(): string | undefined };

function edits(file: EditFile, r: () => number, callees: string[], tree: string): Edit[] {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const fn = () => pick(file.fns);
  let n = 0;
  const rename = (f: Fn) => {
    const to = `${f.name.replace(/_r\d+$/, '')}_r${n++}`;
    for (const g of file.fns) g.body = g.body.map((b) => b.replace(new RegExp(`\\b${f.name}\\(`), `${to}(`));
    file.ops = file.ops.map((o) => o.replace(new RegExp(`\\b${f.name},`), `${to},`));
    f.name = to;
    return EDITED;
  };
  return [
    { kind: 'add a call', local: true, apply: () => { const f = fn(); f.body.splice(Math.floor(r() * (f.body.length + 1)), 0, `${pick(callees)}(sk);`); return EDITED; } },
    { kind: 'remove a call', local: true, apply: () => { const f = fn(); const i = f.body.findIndex((b) => /^\w+\(sk\);$/.test(b)); if (i < 0) return undefined; f.body.splice(i, 1); return EDITED; } },
    { kind: 'add a counter increment', local: true, apply: () => { fn().body.unshift(`__TCP_INC_STATS(sock_net(sk), ${pick(['TCP_MIB_INSEGS', 'TCP_MIB_RETRANSSEGS'])});`); return EDITED; } },
    { kind: 'another counter on the same line (same facts)', local: true, apply: () => { for (const f of file.fns) { const i = f.body.findIndex((b) => /TCP_MIB_/.test(b)); if (i >= 0) { f.body[i] = f.body[i].includes('INSEGS') ? f.body[i].replace('INSEGS', 'RETRANSSEGS') : f.body[i].replace('RETRANSSEGS', 'INSEGS'); return EDITED; } } return undefined; } },
    { kind: 'add a member call', local: true, apply: () => { fn().body.push('sk->sk_write_space(sk);'); return EDITED; } },
    { kind: 'lines moved', local: true, apply: () => { file.header.push(`/* note ${n++} */`); return EDITED; } },
    { kind: 'lines moved in a file with ops tables, stores and registrations', local: true, apply: () => { const p = join(tree, 'net/ipv4/af_inet_reg.c'); writeFileSync(p, `/* moved ${n++} */\n` + readFileSync(p, 'utf8')); return 'net/ipv4/af_inet_reg.c'; } },
    { kind: 'lines moved above a parameter call', local: true, apply: () => { const p = join(tree, 'net/ipv4/ip_output.c'); writeFileSync(p, `/* moved ${n++} */\n` + readFileSync(p, 'utf8')); return 'net/ipv4/ip_output.c'; } },
    { kind: 'use a macro whose edge other files make too', local: true, apply: () => { const f = file.fns.find((g) => g.name === 'twin')!; const i = f.body.indexOf('TWIN_CALL(sk);'); if (i >= 0) f.body.splice(i, 1); else f.body.push('TWIN_CALL(sk);'); return EDITED; } },
    { kind: 'the first file making a macro edge stops (or starts) making it', local: true, apply: () => { const p = join(tree, 'net/ipv4/tcp_a_twin.c'); writeFileSync(p, twinText(!readFileSync(p, 'utf8').includes('TWIN_CALL(sk)'))); return 'net/ipv4/tcp_a_twin.c'; } },
    { kind: 'add a function', local: 'graph', apply: () => { file.fns.splice(Math.floor(r() * file.fns.length), 0, { name: `edit_new_${n++}`, body: [`${pick(callees)}(sk);`, 'edit_close(sk, skb);'] }); return EDITED; } },
    { kind: 'rename a function', local: 'graph', apply: () => rename(pick(file.fns.filter((g) => g.name !== 'twin' && !file.ops.some((o) => o.includes(` ${g.name},`))))) },
    { kind: 'rename a function an ops table binds', local: false, apply: () => { const g = file.fns.find((x) => file.ops.some((o) => o.includes(` ${x.name},`))); return g ? rename(g) : undefined; } },
    { kind: 'add an ops-table entry', local: false, apply: () => { file.ops.push(`.sendmsg = ${fn().name},`); return EDITED; } },
    { kind: 'pass a callback', local: false, apply: () => { fn().body.push('ip_append_data(sk, ip_generic_getfrag, skb, 8);'); return EDITED; } },
  ];
}

/** Every derived section as a full build saves it (map included). */
function saveAll(store: DerivedStore, s: IndexSession): void {
  store.mapModel(() => new MapBuilder({ index: s.index, ...graphsFrom(store, s.index, () => {}) }));
  assert.ok(store.save(s.tree.root, () => ({ files: [], sizes: [], mtimes: [], dirs: [], dirMtimes: [] })), 'saved');
}

function sections(path: string): Map<string, Buffer> {
  const f = SectionFile.open(path)!;
  const out = new Map<string, Buffer>();
  for (const name of DERIVED_SECTIONS) if (name !== 'stamps' && f.has(name)) out.set(name, Buffer.from(f.raw(name)));
  f.close();
  return out;
}

test('random edits: every section updated in place equals a build from scratch on the same index, and saves the same bytes', async () => {
  const tree = editTree();
  const file = new EditFile();
  writeFileSync(join(tree, EDITED), file.text());
  const dir = scratch();
  const s = await openIndex(tree, { grammar, workers: 0, noCache: true });
  const scope = scopeKey({});
  const store = DerivedStore.open(join(dir, 'incremental.bin'), scope, inputsOf(s), () => {});
  store.complete(() => new MapBuilder({ index: s.index, ...graphsFrom(store, s.index, () => {}) }));
  const callees = [...s.index.functionNames()].filter((n) => !n.startsWith('edit_')).sort();
  assert.ok(callees.length > 10);
  const r = rng(Number(process.env.NSA_EDIT_SEED ?? 8));
  const all = edits(file, r, callees, tree);
  const seen = new Map<string, DerivedUpdate[]>();
  for (let step = 0; step < 80; step++) {
    const e = step < all.length ? all[step] : all[Math.floor(r() * all.length)];
    const target = e.apply();
    if (!target) continue;
    if (target === EDITED) writeFileSync(join(tree, EDITED), file.text());
    const { update } = await reindexDerived({}, s, store, target, () => {});
    seen.set(e.kind, [...(seen.get(e.kind) ?? []), update]);
    if (process.env.SHOW_UPDATES) console.log(step, e.kind, JSON.stringify(update));
    if (e.local === true) assert.deepEqual(update.rebuilt, [], `${e.kind} (step ${step}) is local, yet: ${update.reasons.join('; ')}`);
    // a renamed function that passes a callback moves an argument the parameter flow reads: that one rebuilds
    else if (e.local === 'graph') assert.ok(update.reasons.every((r) => /vote|argument of|graph was rebuilt/.test(r)), `${e.kind} (step ${step}): ${update.reasons.join('; ')}`);
    else assert.ok(update.reasons.length, `${e.kind} says what it rebuilt or built`);
    const fresh = DerivedStore.open(join(dir, `fresh-${step}.bin`), scope, inputsOf(s), () => {});
    saveAll(fresh, s);
    saveAll(store, s);
    const want = sections(join(dir, `fresh-${step}.bin`));
    const got = sections(join(dir, 'incremental.bin'));
    assert.deepEqual([...got.keys()], [...want.keys()], `sections after ${e.kind} (step ${step})`);
    for (const [name, b] of want) assert.ok(got.get(name)!.equals(b), `${name} after ${e.kind} (step ${step}): ${update.incremental.join(',')} updated, ${update.rebuilt.join(',')} rebuilt`);
    fresh.close();
  }
  // every kind of edit ran, and the local ones changed something in place
  assert.equal(seen.size, all.length);
  for (const kind of ['add a call', 'add a counter increment', 'lines moved in a file with ops tables, stores and registrations', 'add a function', 'rename a function']) {
    assert.ok(seen.get(kind)!.some((u) => u.incremental.length > 0), `${kind} updated a section in place`);
  }
  assert.ok(seen.get('another counter on the same line (same facts)')!.every((u) => !u.factsChanged && u.incremental.includes('counters')), 'a counter renamed on its line: same facts, the counter map updated');
});

test('facts diff: lines moved by an insertion pair every unchanged fact; an added call is the only difference', () => {
  const a = { ...emptyFacts('x.c'), calls: [{ caller: 'f', callee: 'g', line: 3 }, { caller: 'f', callee: 'h', line: 5 }], stores: [{ context: 'f', line: 6, chain: 'T:s|m', value: 'g', param: -1 }] };
  const b = { ...emptyFacts('x.c'), calls: [{ caller: 'f', callee: 'g', line: 3 }, { caller: 'f', callee: 'k', line: 4 }, { caller: 'f', callee: 'h', line: 6 }], stores: [{ context: 'f', line: 7, chain: 'T:s|m', value: 'g', param: -1 }] };
  const d = diffFacts(a, b);
  assert.deepEqual(d.changed, ['calls']);
  assert.deepEqual(d.added.calls, [{ caller: 'f', callee: 'k', line: 4 }]);
  assert.deepEqual([...d.lines], [[3, 3], [5, 6], [6, 7]]);
  assert.equal(d.ambiguous, false);
});
