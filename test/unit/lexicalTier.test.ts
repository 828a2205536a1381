// The lexical tier (function bodies read from tokens) against tree-sitter on fixtures: the facts it
// claims are the same; bodies it cannot vouch for and unbalanced files fall back to a whole parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedParser } from '../helpers.ts';
import { AttributeBlanker } from '../../src/core/index/attributeMacros.ts';
import { parseSource } from '../../src/core/index/parseFile.ts';
import { functionBodies, tokenize } from '../../src/core/index/cLexer.ts';
import { compareFacts, BODY_FACT_KINDS, HEAD_FACT_KINDS } from '../../src/core/index/tierEquivalence.ts';
import type { FileFacts } from '../../src/core/index/facts.ts';

const blanker = new AttributeBlanker({ words: new Set(['__rcu']), calls: new Set(['__acquires']) });
const fixture = readFileSync(join(__dirname, '../fixtures/lexical/driver.c'));

async function both(bytes: Buffer, file = 'drivers/net/drv.c'): Promise<{ precise: FileFacts; lexical: FileFacts }> {
  const parser = await sharedParser();
  const stamp = { size: bytes.length, mtimeMs: 0, hash: '' };
  const p = parseSource(parser, blanker, file, bytes, stamp, false);
  const l = parseSource(parser, blanker, file, bytes, stamp, true);
  assert.ok(p.facts && l.facts);
  return { precise: p.facts, lexical: l.facts };
}

test('the lexical tier yields the same facts as tree-sitter on the fixture driver', async () => {
  const { precise, lexical } = await both(fixture);
  assert.equal(precise.lexicalBodies, undefined);
  assert.equal(lexical.lexicalBodies, 3, 'drv_setup, the syscall and drv_flow are lexed; the body with a local struct is parsed');
  for (const d of compareFacts(precise, lexical, [...BODY_FACT_KINDS, ...HEAD_FACT_KINDS], 20)) {
    assert.deepEqual({ kind: d.kind, missing: d.missing, extra: d.extra }, { kind: d.kind, missing: [], extra: [] });
  }
});

test('what the tier reads from drv_setup, fact by fact', async () => {
  const { lexical: f } = await both(fixture);
  const mc = f.memberCalls.map((m) => m.chain);
  assert.ok(mc.includes('T:drv_priv|ops|open'), 'a typed local');
  assert.ok(mc.includes('T:drv_priv|ops|open') && mc.filter((c) => c === 'T:drv_priv|ops|open').length >= 3, 'container_of, a cast, INDIRECT_CALL_2');
  assert.ok(mc.includes('T:drv_priv|ops|poll'), 'READ_ONCE(priv->ops)->poll and (*priv->ops->poll) seen through');
  assert.ok(mc.includes('D:drv_priv_t|ops|poll'), 'a typedef-typed local');
  assert.equal(mc.filter((c) => c === 'T:drv_priv|ops|open').length, 5, 'incl. `if (alt) (*pp)->ops->open(dev)`: a statement, not a call of `(alt)`');
  assert.ok(mc.includes('C:netdev_priv|ops|open'), 'a call result');
  const stores = f.stores.map((s) => `${s.chain}=${s.value}/${s.param}`).sort();
  assert.ok(stores.includes('T:drv_priv|rx_handler=drv_rx/-1'));
  assert.ok(stores.includes('T:drv_priv|handler=drv_rx_handler/-1'), 'through a cast');
  assert.ok(stores.includes('T:drv_priv|cb=cb/1'), 'a stored parameter');
  assert.ok(stores.includes('T:drv_priv|ops=drv_default_ops/-1'), 'an address of a global');
  assert.ok(!stores.some((s) => s.endsWith('=err/-1')), 'err is a local given a value in the body (`err = INDIRECT_CALL_2(…)`): not a function, no store (as tree-sitter reads it)');
  assert.ok(!stores.some((s) => s.endsWith('=val/-1')), '*ptr = val is not a member store');
  assert.deepEqual(f.hints.filter((h) => h.caller === 'drv_setup').map((h) => [h.macro, h.candidates]), [['INDIRECT_CALL_2', ['drv_open', 'drv_open_fast']]]);
  assert.deepEqual(f.paramCalls.filter((p) => p.fn === 'drv_setup').map((p) => [p.fn, p.index]), [['drv_setup', 1]]);
  const args = f.args.filter((a) => a.caller === 'drv_setup' && a.callee === 'register_netdev_notifier').map((a) => [a.index, a.name]);
  assert.deepEqual(args, [[1, 'drv_notify'], [2, 'drv_block'], [3, 'arg']], 'dev is a typed parameter; constants are not arguments');
  const calls = new Set(f.calls.filter((c) => c.caller === 'drv_setup').map((c) => c.callee));
  for (const c of ['netdev_priv', 'READ_ONCE', 'container_of', 'INDIRECT_CALL_2', 'register_netdev_notifier', 'cb', 'IS_ENABLED', 'drv_has', 'drv_poll_init', 'napi_add', 'drv_check', 'drv_fail']) assert.ok(calls.has(c), c);
  assert.ok(!calls.has('sizeof') && !calls.has('for') && !calls.has('if'));
  const refs = new Set(f.refs.filter((r) => r.context === 'drv_setup').map((r) => r.name));
  for (const r of ['drv_rx', 'drv_rx_handler', 'drv_notify', 'drv_block', 'drv_open', 'drv_first', 'drv_second', 'drv_done', 'drv_poll']) assert.ok(refs.has(r), r);
  for (const r of ['priv', 'alt', 'val', 'cb', 'dev', 'local_fp']) assert.ok(!refs.has(r), `${r} is a local`);
  assert.ok(f.opsInstances.some((o) => o.struct === 'drv_priv' && o.members.poll === 'drv_poll' && o.members.open === 'drv_open'));
  assert.deepEqual(f.calls.filter((c) => c.caller === 'sys_drvctl').map((c) => c.callee), ['drv_ioctl']);
});

test('what the tier reads from drv_flow: copies, pointer calls, call arguments, returns, macro and ?: stores', async () => {
  const { lexical: f } = await both(fixture);
  const mine = <T extends { caller?: string; context?: string; fn?: string }>(xs: T[]) => xs.filter((x) => (x.caller ?? x.context ?? x.fn) === 'drv_flow');
  const stores = mine(f.stores).map((s) => `${s.chain}=${s.value}`).sort();
  assert.deepEqual(stores, ['T:drv_priv|cb=drv_open', 'T:drv_priv|cb=drv_open_fast', 'T:drv_priv|handler=drv_rx', 'T:drv_priv|handler=drv_rx_handler', 'T:drv_priv|rx_handler=drv_rx'],
    'WRITE_ONCE and rcu_assign_pointer store their second argument, each arm of a ?: is stored; smp_store_release(&p->cb, …) stores into no member');
  assert.deepEqual(mine(f.copies).map((c) => `${c.chain}<${c.from}`).sort(), ['T:drv_priv|napi|poll<T:drv_priv|ops|poll', 'T:drv_priv|ops<C:alt_priv|ops', 'T:drv_priv|stats|errors<T:net_device|stats|rx_errors'],
    'a member from a member (through READ_ONCE and a call result), also with +=; a sum is no copy');
  assert.deepEqual(mine(f.pointerCalls).map((p) => `${p.local}:${p.chain}`).sort(), ['fp:T:drv_priv|ops|open', 'pf:T:drv_priv|ops|poll', 'pf:T:drv_priv|ops|poll'], 'direct and through INDIRECT_CALL_1');
  assert.deepEqual(mine(f.callArgs).map((c) => `${c.callee}/${c.index}:${c.fn}`).sort(), ['register_netdev_notifier/1:drv_pick', 'register_netdev_notifier/3:netdev_priv'], 'not READ_ONCE (a wrapper) nor a constant-like macro');
  const args = mine(f.args).filter((a) => a.callee === 'register_netdev_notifier').map((a) => `${a.index}:${a.name}`);
  assert.deepEqual(args.sort(), ['2:drv_open', '2:drv_open_fast'], 'getfrag passes on both arms it holds');
  assert.ok(!mine(f.args).some((a) => ['WRITE_ONCE', 'rcu_assign_pointer', 'smp_store_release'].includes(a.callee)), 'a store macro has no arguments of its own');
  assert.deepEqual(mine(f.returns).map((r) => r.value), ['drv_rx_handler'], 'h is a local given a value');
});

test('a file whose braces do not balance is parsed whole', async () => {
  const src = Buffer.from('#ifdef A\nint f(int a)\n{\n#else\nint f(int a, int b)\n{\n#endif\n\treturn g(a);\n}\n');
  assert.equal(functionBodies(src.toString()), null);
  const { precise, lexical } = await both(src);
  assert.equal(lexical.lexicalBodies, undefined);
  assert.deepEqual(lexical, precise);
});

test('bodies in strings, comments and directives do not confuse the body finder', () => {
  const text = 'static const char *s = "{";\n/* { */\n#define X {\nint f(void)\n{\n\treturn \'}\';\n}\nstruct a { int b; };\nint g(void) { return 0; }\n';
  const bodies = functionBodies(text)!;
  assert.equal(bodies.length, 2);
  assert.deepEqual(bodies.map(([o, c]) => text.slice(o, c + 1).replace(/\s+/g, ' ')), ["{ return '}'; }", '{ return 0; }']);
});

test('the tokenizer matches brackets and skips literals, comments and directives', () => {
  const t = tokenize('a(b[1], "x)", \'(\') /* ) */ {\n#if X(\n}');
  const texts = Array.from({ length: t.count }, (_, i) => t.text.slice(t.start[i], t.end[i]));
  assert.deepEqual(texts, ['a', '(', 'b', '[', '1', ']', ',', '"x)"', ',', "'('", ')', '{', '}']);
  assert.equal(t.match[1], 10);
  assert.equal(t.match[3], 5);
  assert.equal(t.match[11], 12);
});
