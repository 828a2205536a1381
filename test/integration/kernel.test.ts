// Integration on Debian's linux-source-6.1, network scope (scripts/kernel-tree.sh provides it).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { distDir, grammar, scratch, integrationCache } from '../helpers.ts';
import { openIndex, type IndexSession } from '../../src/core/index/indexer.ts';
import { listSourceFiles } from '../../src/core/index/kernelTree.ts';

const tree = process.env.NETSTACK_ATLAS_KERNEL ?? '';
let s: IndexSession;
let files: string[];

before(async () => {
  assert.ok(tree, 'NETSTACK_ATLAS_KERNEL must point at linux-source-6.1 (npm test sets it)');
  files = listSourceFiles(tree).files;
  // a fresh cache: this file measures the cold index; later files reuse it
  rmSync(integrationCache, { recursive: true, force: true });
  s = await openIndex(tree, { grammar, distDir, cacheDir: integrationCache });
});

test('the tree is recognized as 6.1 and the whole network scope is indexed', () => {
  assert.match(s.stats.kernelVersion ?? '', /^6\.1\.\d+/);
  assert.equal(s.stats.files, files.length);
  assert.ok(files.length > 10_000);
  assert.deepEqual(s.stats.errors, []);
  console.log(`# ${s.stats.files} files in ${s.stats.seconds.toFixed(1)} s, ${s.stats.syntaxErrors} recovered syntax-error regions`);
});

test('function definitions: recall >= 99.5 % of universal-ctags, exact line', () => {
  const list = join(scratch(), 'files.txt');
  writeFileSync(list, files.join('\n') + '\n');
  const tags = execFileSync('ctags', ['-L', list, '--languages=C,C++', '--langmap=C:.c.h', '--kinds-C=f', '--fields=+n', '-f', '-'], { cwd: tree, maxBuffer: 1 << 30, encoding: 'utf8' });
  const ours = new Set<string>();
  for (const f of s.index.allFacts()) for (const d of f.functions) {
    ours.add(`${d.name}\t${f.file}\t${d.line}`);
    if (d.definedBy) ours.add(`${d.definedBy}\t${f.file}\t${d.line}`); // ctags names SYSCALL_DEFINE3(socket,…) by the macro
  }
  let total = 0;
  const misses: string[] = [];
  for (const row of tags.split('\n')) {
    const m = /^(\S+)\t(\S+)\t.*\tline:(\d+)/.exec(row);
    if (!m) continue;
    total++;
    if (!ours.has(`${m[1]}\t${m[2]}\t${m[3]}`)) misses.push(`${m[2]}:${m[3]} ${m[1]}`);
  }
  const recall = 1 - misses.length / total;
  console.log(`# ctags functions: ${total}; ours found ${total - misses.length} (recall ${(recall * 100).toFixed(3)} %); tolerated misses (first 30):`);
  for (const x of misses.slice(0, 30)) console.log(`#   ${x}`);
  assert.ok(total > 100_000, `ctags found only ${total}`);
  assert.ok(recall >= 0.995, `recall ${(recall * 100).toFixed(3)} %`);
});

const OPS_STRUCTS = ['proto', 'proto_ops', 'net_device_ops', 'packet_type', 'net_protocol', 'inet_protosw'];

test('ops instances: every instance a text oracle sees is found', () => {
  // oracle: `struct T name[] … = {` at the start of a line (file scope), any annotations between
  const re = new RegExp(`^(?:static\\s+)?(?:const\\s+)?struct\\s+(${OPS_STRUCTS.join('|')})\\s+(\\w+)\\s*(\\[[^\\]]*\\])?[^=;(]*=\\s*\\{?\\s*$`, 'gm');
  const found = new Set(s.index.opsInstances().map(({ file, def }) => `${def.struct} ${def.name.replace(/\[.*$/, '')} ${file}`));
  let total = 0;
  const missing: string[] = [];
  for (const file of files) {
    if (!file.endsWith('.c') && !file.endsWith('.h')) continue;
    const text = readFileSync(join(tree, file), 'latin1');
    if (!/struct\s+(proto|proto_ops|net_device_ops|packet_type|net_protocol|inet_protosw)\b/.test(text)) continue;
    for (const m of text.matchAll(re)) {
      total++;
      if (!found.has(`${m[1]} ${m[2]} ${file}`)) missing.push(`${file}: struct ${m[1]} ${m[2]}`);
    }
  }
  console.log(`# oracle instances: ${total}; missing: ${missing.length}`);
  for (const x of missing.slice(0, 20)) console.log(`#   ${x}`);
  assert.ok(total > 300, `oracle saw only ${total}`);
  assert.deepEqual(missing, []);
});

test('ops members, spot checks', () => {
  const inst = (name: string) => s.index.opsInstances().find((o) => o.def.name === name)?.def;
  assert.equal(inst('tcp_prot')?.members.sendmsg, 'tcp_sendmsg');
  assert.equal(inst('inet_stream_ops')?.members.sendmsg, 'inet_sendmsg');
  assert.equal(inst('loopback_ops')?.members.ndo_start_xmit, 'loopback_xmit');
  const sw = s.index.opsInstances('inet_protosw').filter((o) => o.file === 'net/ipv4/af_inet.c' && o.def.name.startsWith('inetsw_array['));
  assert.deepEqual(
    sw.map((o) => [o.def.name, o.def.members.protocol, o.def.members.prot, o.def.members.ops]),
    [
      ['inetsw_array[0]', 'IPPROTO_TCP', 'tcp_prot', 'inet_stream_ops'],
      ['inetsw_array[1]', 'IPPROTO_UDP', 'udp_prot', 'inet_dgram_ops'],
      ['inetsw_array[2]', 'IPPROTO_ICMP', 'ping_prot', 'inet_sockraw_ops'],
      ['inetsw_array[3]', 'IPPROTO_IP', 'raw_prot', 'inet_sockraw_ops'],
    ],
  );
});

test('struct sk_buff has its key fields', () => {
  const skb = s.index.struct('sk_buff');
  assert.equal(skb?.file, 'include/linux/skbuff.h');
  const names = new Set(skb!.def.fields.map((f) => f.name));
  for (const f of ['len', 'data_len', 'head', 'data', 'dev', 'sk', 'protocol']) assert.ok(names.has(f), f);
  const len = skb!.def.fields.find((f) => f.name === 'len')!;
  assert.equal(len.type, 'unsigned int');
  assert.match(len.doc, /Length of actual data/);
});

test('direct calls: tcp_sendmsg calls tcp_sendmsg_locked; __sys_sendto is called by the sendto syscall', () => {
  assert.ok(s.index.callees('tcp_sendmsg').some((c) => c.to === 'tcp_sendmsg_locked' && c.file === 'net/ipv4/tcp.c'));
  assert.ok(s.index.callers('__sys_sendto').some((c) => c.from === 'sys_sendto'));
});
