import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedParser, fixtureTree } from '../helpers.ts';
import { parseSource, hashContent } from '../../src/core/index/parseFile.ts';
import { AttributeBlanker, deriveAttributeMacros, scanDefines, seedAttributeMacros } from '../../src/core/index/attributeMacros.ts';
import type { FileFacts } from '../../src/core/index/facts.ts';

async function factsOf(file: string, blanker = new AttributeBlanker(seedAttributeMacros())): Promise<FileFacts> {
  const p = await sharedParser();
  const bytes = readFileSync(join(fixtureTree, file));
  const r = parseSource(p, blanker, file, bytes, { size: bytes.length, mtimeMs: 0, hash: hashContent(bytes) });
  assert.ok(r.facts, r.error);
  return r.facts!;
}

function fixtureBlanker(): AttributeBlanker {
  return new AttributeBlanker(deriveAttributeMacros(scanDefines(readFileSync(join(fixtureTree, 'include/linux/compiler_types.h'), 'utf8'))));
}

test('attribute macros are derived from the tree: empty lower-case, attribute-only, and chains', () => {
  const set = deriveAttributeMacros(scanDefines(readFileSync(join(fixtureTree, 'include/linux/compiler_types.h'), 'utf8')));
  for (const w of ['__fixture_hot', '__fixture_tag', '__fixture_both']) assert.ok(set.words.has(w), w);
  assert.ok(set.calls.has('__fixture_sec'));
  // header guards and empty statement-like macros are not attributes
  assert.ok(!set.words.has('FIXTURE_GUARD_H'));
  assert.ok(!set.calls.has('fixture_noop'));
});

test('blanking keeps length, offsets and line breaks', () => {
  const b = new AttributeBlanker(deriveAttributeMacros(scanDefines('#define __x __attribute__((a))\n#define __y(n) __attribute__((s(n)))\n')));
  const src = 'static int __x\nfoo(int a) __y(".t\\n(")\n{ return __read_mostly; }\r\n';
  const out = b.blank(src);
  assert.equal(out.length, src.length);
  assert.deepEqual([...out].map((c, i) => (c === '\n' || c === '\r' ? i : -1)).filter((i) => i >= 0), [...src].map((c, i) => (c === '\n' || c === '\r' ? i : -1)).filter((i) => i >= 0));
  assert.ok(!/__x|__y|__read_mostly/.test(out));
  assert.equal(out.indexOf('foo'), src.indexOf('foo'));
});

test('blanking removes the ERROR nodes that annotations cause', async () => {
  const raw = await factsOf('net/ipv4/af_inet.c', new AttributeBlanker({ words: new Set(), calls: new Set() }));
  const blanked = await factsOf('net/ipv4/af_inet.c', fixtureBlanker());
  assert.ok(blanked.syntaxErrors < raw.syntaxErrors || !raw.functions.some((f) => f.name === 'inet_release'));
  const rel = blanked.functions.find((f) => f.name === 'inet_release')!;
  assert.equal(rel.line, 11);
  assert.equal(rel.startLine, 10);
  assert.ok(rel.isStatic);
});

test('functions: signature, static/inline flags, macro-defined functions', async () => {
  const h = await factsOf('include/linux/skb.h');
  const len = h.functions.find((f) => f.name === 'skb_len')!;
  assert.ok(len.isStatic && len.isInline);
  assert.equal(len.signature, 'static inline unsigned int skb_len(const struct sk_buff *skb) /*! function skb_len */');
  assert.equal(len.endLine, len.line + 3);
  const s = await factsOf('net/socket.c');
  const sys = s.functions.find((f) => f.name === 'sys_socket')!;
  assert.equal(sys.definedBy, 'SYSCALL_DEFINE3');
  assert.deepEqual(s.calls.filter((c) => c.caller === 'sys_socket').map((c) => c.callee), ['__sys_socket']);
  assert.deepEqual(h.prototypes.map((p) => p.name), ['skb_proto']);
});

test('struct fields: flattened anonymous members, struct_group, types, docs', async () => {
  const h = await factsOf('include/linux/skb.h', fixtureBlanker());
  const skb = h.structs.find((s) => s.name === 'sk_buff')!;
  const byName = Object.fromEntries(skb.fields.map((f) => [f.name, f]));
  assert.deepEqual(Object.keys(byName), ['next', 'prev', 'sk', 'len', 'data_len', 'protocol', 'dev', 'head', 'destructor']);
  assert.equal(byName.sk.type, 'struct sock __fixture_tag *');
  assert.equal(byName.destructor.type, 'int (*)(struct sk_buff *skb)');
  assert.equal(byName.len.doc, 'trailing doc for len');
  assert.equal(byName.dev.doc, 'Device we arrived on/are leaving by');
  assert.equal(byName.head.doc, 'the head of the buffer');
  assert.equal(byName.protocol.type, '__be16');
  assert.ok(skb.doc.startsWith('struct sk_buff - socket buffer'));
});

test('enums and macros', async () => {
  const h = await factsOf('include/linux/skb.h');
  const e = h.enums.find((x) => x.name === 'skb_state')!;
  assert.deepEqual(e.members.map((m) => [m.name, m.value]), [['SKB_NEW', '1'], ['SKB_DONE', undefined]]);
  const m = h.macros.find((x) => x.name === 'SKB_MAX')!;
  assert.deepEqual(m.params, ['a', 'b']);
  assert.equal(m.body, '((a) > (b) ? (a) : (b))');
  assert.equal(m.endLine, m.line + 1);
  assert.equal(h.macros.find((x) => x.name === '_FIXTURE_SKB_H')!.params, undefined);
});

test('ops instances: designated, arrays, nested, #ifdef members, & removed', async () => {
  const f = await factsOf('net/ipv4/af_inet.c', fixtureBlanker());
  const ops = Object.fromEntries(f.opsInstances.map((o) => [o.name, o]));
  assert.deepEqual({ ...ops.inet_stream_ops.members }, { family: 'PF_INET', release: 'inet_release', sendmsg: 'inet_sendmsg', compat_ioctl: 'inet_compat_ioctl' });
  assert.equal(ops.inet_stream_ops.struct, 'proto_ops');
  assert.equal(ops['inetsw_array[0]'].members.prot, 'tcp_prot');
  assert.equal(ops['inetsw_array[0]'].members.ops, 'inet_stream_ops');
  assert.equal(ops['inetsw_array[1]'].members.protocol, 'IPPROTO_UDP');
  assert.equal(ops['inetsw_array[1]'].struct, 'inet_protosw');
  assert.equal(ops.ip_packet_type.members['nested.inner.leaf'], 'inet_release');
  assert.equal(ops.ip_packet_type.members.type, 'cpu_to_be16(ETH_P_IP)');
  assert.equal(ops.ip_packet_type.memberLines.func, 44);
});

test('calls and value references (locals and parameters excluded)', async () => {
  const f = await factsOf('net/ipv4/af_inet.c', fixtureBlanker());
  const init = f.calls.filter((c) => c.caller === 'inet_init').map((c) => c.callee);
  assert.deepEqual(init, ['sock_register', 'dev_add_pack', 'table_lookup']);
  const refs = f.refs.map((r) => `${r.context}:${r.name}`);
  for (const r of ['inet_stream_ops:inet_release', 'inet_stream_ops:inet_sendmsg', 'ip_packet_type:ip_rcv', 'inet_init:sock_def_readable', 'inet_init:inet_family_ops', 'inet_init:big_table'])
    assert.ok(refs.includes(r), `${r} in ${refs.join(' ')}`);
  assert.ok(!refs.some((r) => r.endsWith(':sock') || r.endsWith(':sk') || r.endsWith(':msg')), refs.join(' '));
});

test('a numeric data table is left out of the parse and changes nothing else', async () => {
  const p = await sharedParser();
  const bytes = readFileSync(join(fixtureTree, 'net/ipv4/af_inet.c'));
  const r = parseSource(p, fixtureBlanker(), 'x.c', bytes, { size: bytes.length, mtimeMs: 0, hash: '' });
  assert.ok(r.skippedBytes > 1024, `skipped ${r.skippedBytes}`);
  assert.ok(r.facts!.functions.some((f) => f.name === 'inet_init' && f.line === 64));
});

test('type arguments of macros are joined into one identifier; casts, sizeof and parameters are left alone', async () => {
  const { joinTypeArguments } = await import('../../src/core/index/prepare.ts');
  const src = 'x = container_of(p, struct sock, sk_node); y = min_t(unsigned int, a, b); z = (struct sock *)q; s = sizeof(struct sock); int f(struct foo *a, int b);';
  const out = joinTypeArguments(src);
  assert.equal(out.length, src.length);
  assert.ok(out.includes('container_of(p, struct_sock, sk_node)'));
  assert.ok(out.includes('min_t(unsigned_int, a, b)'));
  assert.ok(out.includes('(struct sock *)q') && out.includes('sizeof(struct sock)') && out.includes('f(struct foo *a, int b)'));
  const p = await sharedParser();
  const code = 'static int f(struct list_head *p)\n{\n\tstruct sock *sk = container_of(p, struct sock, sk_node);\n\treturn g(sk);\n}\n';
  const r = parseSource(p, new AttributeBlanker(seedAttributeMacros()), 'x.c', Buffer.from(code), { size: code.length, mtimeMs: 0, hash: '' });
  assert.equal(r.facts!.syntaxErrors, 0);
  assert.deepEqual(r.facts!.calls.map((c) => c.callee), ['container_of', 'g']);
});

test('file-scope macro lines without `;` do not swallow the next function; function-defining macros stay', async () => {
  const { blankUnterminatedMacroLines } = await import('../../src/core/index/prepare.ts');
  const code = [
    '#define STATS_INC(F) static inline void stats_##F##_inc(int *d) { (*d)++; }',
    'STATS_INC(rx_dropped)',
    'STATS_INC(tx_dropped)',
    '',
    'static inline int forward_one(int *dev, int skb)',
    '{',
    '\tstats_rx_dropped_inc(dev);',
    '\treturn drop(skb);',
    '}',
    'BPF_CALL_2(bpf_thing, int, a, int, b)',
    '{',
    '\treturn helper(a);',
    '}',
    'static void',
    'split_decl(int x)',
    '__releases(lock)',
    '{',
    '\tunlock(x);',
    '}',
    '',
  ].join('\n');
  const out = blankUnterminatedMacroLines(code);
  assert.equal(out.length, code.length);
  assert.equal(out.split('\n').length, code.split('\n').length);
  assert.ok(!out.includes('STATS_INC(rx_dropped)') && !out.includes('STATS_INC(tx_dropped)'));
  assert.ok(out.includes('BPF_CALL_2(bpf_thing, int, a, int, b)') && out.includes('split_decl(int x)'));
  const p = await sharedParser();
  const r = parseSource(p, new AttributeBlanker(seedAttributeMacros()), 'x.h', Buffer.from(code), { size: code.length, mtimeMs: 0, hash: '' });
  const fwd = r.facts!.functions.find((f) => f.name === 'forward_one');
  assert.ok(fwd, r.facts!.functions.map((f) => f.name).join(','));
  assert.equal(fwd.line, 5);
  assert.deepEqual(r.facts!.calls.filter((c) => c.caller === 'forward_one').map((c) => c.callee), ['stats_rx_dropped_inc', 'drop']);
});

test('an `else` after `#endif` (a config-only branch of an if/else chain) keeps the function and both branches', async () => {
  const { blankConditionalsAroundElse } = await import('../../src/core/index/prepare.ts');
  const code = [
    'static unsigned int handle_icmp(int pf, int proto)',
    '{',
    '\tint ret;',
    '\tif (pf == 2 && proto == 1)',
    '\t\tret = icmpv4_error(pf);',
    '#if IS_ENABLED(CONFIG_IPV6)',
    '\telse if (pf == 10 && proto == 58)',
    '\t\tret = icmpv6_error(pf);',
    '#endif',
    '\telse',
    '\t\treturn 1;',
    '#ifdef CONFIG_A',
    '\tret = only_a(ret);',
    '#else',
    '\tret = not_a(ret);',
    '#endif',
    '\treturn ret;',
    '}',
    '',
  ].join('\n');
  const out = blankConditionalsAroundElse(code);
  assert.equal(out.length, code.length);
  assert.equal(out.split('\n').length, code.split('\n').length);
  assert.ok(!out.includes('IS_ENABLED') && out.includes('#ifdef CONFIG_A') && out.includes('#else'), out);
  const p = await sharedParser();
  const r = parseSource(p, new AttributeBlanker(seedAttributeMacros()), 'x.c', Buffer.from(code), { size: code.length, mtimeMs: 0, hash: '' });
  assert.equal(r.facts!.syntaxErrors, 0);
  assert.deepEqual(r.facts!.functions.map((f) => f.name), ['handle_icmp']);
  assert.deepEqual(r.facts!.calls.map((c) => c.callee).sort(), ['icmpv4_error', 'icmpv6_error', 'not_a', 'only_a']);
});
