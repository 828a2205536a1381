// Bad input to the cache: derived state of another version, one damaged section, two trees on one
// cache key, a moved tree, an unwritable / read-only / full cache folder, scopes that alternate, data
// damaged behind a valid checksum. Each: one clear line, the answer still right, nothing lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { cliPath, copyFixtureTree, grownTree, scratch } from '../helpers.ts';
import { SectionFile, writeSectionFile, Paged } from '../../src/core/index/sectionFile.ts';
import type { DerivedMeta } from '../../src/core/map/derivedStore.ts';

function run(args: string[], env: NodeJS.ProcessEnv = {}, prefix: string[] = []) {
  const r = spawnSync(prefix[0] ?? process.execPath, [...prefix.slice(1), ...(prefix.length ? [process.execPath] : []), cliPath, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr, lines: r.stderr.split('\n').filter(Boolean) };
}
const indexJson = (tree: string, cacheDir: string, extra: string[] = []) => {
  const r = run(['index', tree, '--cache-dir', cacheDir, '--json', ...extra]);
  assert.equal(r.code, 0, r.err);
  return { ...JSON.parse(r.out), lines: r.lines };
};
const derivedFile = (dir: string) => join(dir, readdirSync(dir).find((n) => n.startsWith('derived-'))!);

/** Rewrites a derived file with `edit` applied to its meta and raw sections. */
function rewriteDerived(dir: string, edit: (meta: DerivedMeta, sections: Record<string, Buffer>) => void): void {
  const path = derivedFile(dir);
  const f = SectionFile.open<DerivedMeta>(path)!;
  const sections: Record<string, Buffer> = {};
  for (const n of Object.keys(f.header.sections)) sections[n] = f.raw(n);
  const paged = new Set(Object.keys(f.header.sections).filter((n) => f.header.sections[n].paged));
  const meta = { ...f.header.meta };
  f.close();
  edit(meta, sections);
  writeSectionFile(path, meta, Object.fromEntries(Object.entries(sections).map(([k, v]) => [k, paged.has(k) ? Paged.wrap(v) : v])));
}

/** Flips one byte inside a section without touching the header (its checksum no longer matches). */
function damageSection(dir: string, name: string, at = 0.5): void {
  const path = derivedFile(dir);
  const f = SectionFile.open<DerivedMeta>(path)!;
  const e = f.header.sections[name];
  f.close();
  const buf = readFileSync(path);
  buf[e.at + Math.floor(e.bytes * at)] ^= 0x5a;
  writeFileSync(path, buf);
}

test('derived state of another version: only it is rebuilt (the facts stay), said once', () => {
  const tree = copyFixtureTree();
  const cacheDir = scratch();
  indexJson(tree, cacheDir);
  const before = run(['callers', tree, 'tcp_sendmsg', '--cache-dir', cacheDir]);
  for (const version of ['0000older', 'ffffnewer']) {
    rewriteDerived(cacheDir, (m) => (m.codeVersion = version));
    const r = run(['callers', tree, 'tcp_sendmsg', '--cache-dir', cacheDir]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, before.out);
    assert.equal(r.lines.length, 1, r.err);
    assert.match(r.lines[0], /made by another version; rebuilding it \(the index is still valid\)/);
    const j = indexJson(tree, cacheDir);
    assert.equal(j.parsedFiles, 0);
    // the query rebuilt and saved what it needed; `index` builds the rest
    assert.ok(!j.derived.rebuilt.includes('graph'), j.derived.rebuilt.join());
    assert.deepEqual(indexJson(tree, cacheDir).derived.rebuilt, []);
  }
});

test('one derived section damaged: that section is rebuilt, said once; the others are read as they are', () => {
  const tree = copyFixtureTree();
  const cacheDir = scratch();
  indexJson(tree, cacheDir);
  const layers = run(['layers', tree, '--json', '--cache-dir', cacheDir]).out;
  damageSection(cacheDir, 'layers');
  const r = run(['layers', tree, '--json', '--cache-dir', cacheDir]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, layers);
  assert.equal(r.lines.length, 1, r.err);
  assert.match(r.lines[0], /derived layers section damaged \(section layers fails its checksum\); rebuilding it/);
  assert.equal(run(['layers', tree, '--json', '--cache-dir', cacheDir]).lines.length, 0, 'repaired on disk');
  // a page of the graph, found when a query walks it
  const callers = run(['callers', tree, 'skb_len', '--cache-dir', cacheDir]).out;
  damageSection(cacheDir, 'graph', 0.9);
  const g = run(['callers', tree, 'skb_len', '--cache-dir', cacheDir]);
  assert.equal(g.code, 0, g.err);
  assert.equal(g.out, callers);
  assert.ok(g.lines.length <= 1, g.err);
  if (g.lines.length) assert.match(g.lines[0], /derived graph section damaged \(section graph fails its checksum/);
  const j = indexJson(tree, cacheDir);
  assert.equal(j.parsedFiles, 0);
  assert.deepEqual(j.derived.rebuilt, []);
});

test('two trees on one cache folder (a key collision): each keeps its own cache', () => {
  const a = copyFixtureTree();
  const b = copyFixtureTree();
  writeFileSync(join(b, 'net/socket.c'), readFileSync(join(b, 'net/socket.c'), 'utf8') + '\nint only_in_b(void) { return 1; }\n');
  const cacheDir = scratch();
  assert.equal(indexJson(a, cacheDir).parsedFiles, 11);
  const jb = indexJson(b, cacheDir);
  assert.equal(jb.parsedFiles, 11, 'b does not reuse a\'s facts');
  assert.equal(indexJson(a, cacheDir).parsedFiles, 0);
  assert.equal(indexJson(b, cacheDir).parsedFiles, 0);
  assert.match(run(['callees', b, 'only_in_b', '--cache-dir', cacheDir]).err, /^$/);
  assert.match(run(['callees', a, 'only_in_b', '--cache-dir', cacheDir]).err, /unknown function 'only_in_b'/);
});

test('a tree moved to another path reuses the entries whose content still matches', () => {
  const tree = copyFixtureTree();
  const xdg = scratch();
  const env = { XDG_CACHE_HOME: xdg };
  assert.equal(run(['index', tree], env).code, 0);
  const moved = tree + '-moved';
  renameSync(tree, moved);
  writeFileSync(join(moved, 'net/socket.c'), readFileSync(join(moved, 'net/socket.c'), 'utf8') + '\n/* edited after the move */\n');
  const r = run(['index', moved, '--json'], env);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.parsedFiles, 1, 'only the edited file is parsed');
  assert.equal(j.cachedFiles, j.files - 1);
  assert.equal(r.lines.length, 1, r.err);
  assert.match(r.lines[0], /reusing the entries of .*tree/);
  assert.equal(run(['callers', moved, 'tcp_sendmsg'], env).code, 0);
});

test('--cache-dir is a cache of its own: a copy of the tree in the default cache is no donor to it', () => {
  // before: a copy of the fixture tree indexed anywhere under $XDG_CACHE_HOME made every run with
  // --cache-dir reuse its entries (parsedFiles 0) and print one more line
  const xdg = scratch();
  const env = { XDG_CACHE_HOME: xdg };
  assert.equal(run(['index', copyFixtureTree()], env).code, 0);
  const r = run(['index', copyFixtureTree(), '--cache-dir', scratch(), '--json'], env);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).parsedFiles, 11);
  assert.deepEqual(r.lines, []);
});

test('cache folder that is a file, read-only, or another user\'s: the command works from memory and says so once', (t) => {
  const tree = copyFixtureTree();
  const expected = run(['callers', tree, 'tcp_sendmsg', '--no-cache']).out;
  const check = (r: ReturnType<typeof run>, why: RegExp) => {
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, expected);
    assert.equal(r.lines.length, 1, r.err);
    assert.match(r.lines[0], /cache not written \(.*\); working from memory/);
    assert.match(r.lines[0], why);
  };
  const file = join(scratch(), 'a-file');
  writeFileSync(file, 'x');
  check(run(['callers', tree, 'tcp_sendmsg', '--cache-dir', file]), /a file is in the way/);
  check(run(['callers', tree, 'tcp_sendmsg', '--cache-dir', join(file, 'below')]), /a file is in the way/);
  if (process.getuid?.() !== 0) return t.skip('read-only mount and another user need root');
  const ro = scratch();
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
  try {
    check(run(['callers', tree, 'tcp_sendmsg', '--cache-dir', ro]), /read-only file system/);
    // a folder still to be made there (the usual case: a read-only home); before, this said "ENOENT"
    check(run(['callers', tree, 'tcp_sendmsg', '--cache-dir', join(ro, 'not', 'yet')]), /read-only file system/);
    check(run(['callers', tree, 'tcp_sendmsg'], { XDG_CACHE_HOME: ro }), /read-only file system/);
  } finally {
    execFileSync('umount', [ro]);
  }
  // another user's folder: run as nobody against root's 0700 folder
  const owned = join(scratch(), 'root-only');
  mkdirSync(owned, { mode: 0o700 });
  for (let d = tree; d !== '/'; d = join(d, '..')) if (d.startsWith('/tmp/')) chmodSync(d, 0o755);
  const r = run(['callers', tree, 'tcp_sendmsg', '--cache-dir', owned], {}, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
  check(r, /permission denied/);
});

test('disk full while writing: no temporary file is left; stale ones from dead writers are removed on start', (t) => {
  if (process.getuid?.() !== 0) return t.skip('a small tmpfs needs root');
  const tree = grownTree(60);
  const small = scratch();
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', small]);
  try {
    const r = run(['callers', tree, 'skb_len', '--cache-dir', small]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /gen_0_0 → skb_len/);
    assert.equal(r.lines.length, 1, r.err);
    assert.match(r.lines[0], /cache not written \(.*no space left on the device\); working from memory/);
    assert.deepEqual(readdirSync(small).filter((n) => n.endsWith('.tmp')), []);
  } finally {
    execFileSync('umount', [small]);
  }
  const cacheDir = scratch();
  indexJson(tree, cacheDir);
  const dead = 4_194_000; // above pid_max defaults: no such process
  for (const n of [`index.bin.${dead}.1.tmp`, `derived-x.bin.${dead}.2.tmp`]) writeFileSync(join(cacheDir, n), 'half');
  const j = indexJson(tree, cacheDir);
  assert.equal(j.parsedFiles, 0);
  assert.match(j.lines.join('\n'), /removed 2 temporary files left in the cache/);
  assert.deepEqual(readdirSync(cacheDir).filter((n) => n.endsWith('.tmp')), []);
});

test('--include/--exclude keep per-file entries: alternating scopes parse nothing again', () => {
  const tree = copyFixtureTree();
  const cacheDir = scratch();
  assert.equal(indexJson(tree, cacheDir).parsedFiles, 11);
  const sub = indexJson(tree, cacheDir, ['--include', 'net/ipv4/**']);
  assert.equal(sub.parsedFiles, 0);
  assert.equal(sub.files, 3);
  // "the next plain command rebuilds everything again": neither its facts nor its derived state
  const plain = indexJson(tree, cacheDir);
  assert.equal(plain.parsedFiles, 0, 'the plain scope after a sub-scope');
  assert.deepEqual(plain.derived.rebuilt, [], 'its call graph, layers, counters and map are still there');
  assert.deepEqual(plain.lines, []);
  assert.equal(indexJson(tree, cacheDir, ['--exclude', 'drivers/**']).parsedFiles, 0);
  const again = run(['callers', tree, 'tcp_sendmsg', '--cache-dir', cacheDir]);
  assert.equal(again.code, 0);
  assert.deepEqual(again.lines, [], 'a plain query after another scope rebuilds nothing');
  // a file parsed in a sub-scope is reused by the full scope
  writeFileSync(join(tree, 'net/ipv4/proc.c'), readFileSync(join(tree, 'net/ipv4/proc.c'), 'utf8') + '\n');
  assert.equal(indexJson(tree, cacheDir, ['--include', 'net/ipv4/**']).parsedFiles, 1);
  assert.equal(indexJson(tree, cacheDir).parsedFiles, 0);
});

test('data damaged behind a recomputed checksum: a decoding error is a damaged cache, rebuilt once', () => {
  const tree = copyFixtureTree();
  const cacheDir = scratch();
  indexJson(tree, cacheDir);
  const path = join(cacheDir, 'index.bin');
  const good = readFileSync(path);
  const expected = run(['defs', tree, '--kind', 'function', '--no-cache']).out;
  // locate the int data: MAGIC | u32 hlen | header | u32 slen | strings | pad4 | u32 count | ends | u32 n | data | crc32
  let p = 8;
  const hlen = good.readUInt32LE(p);
  const header = JSON.parse(good.toString('utf8', p + 4, p + 4 + hlen));
  p += 4 + hlen;
  p = (p + 4 + good.readUInt32LE(p) + 3) & ~3;
  p += 4 + good.readUInt32LE(p) * 4;
  const dataAt = p + 4;
  const entry = header.files.find((f: { at?: number[] }) => f.at && f.at[1] - f.at[0] > 8);
  for (const [what, offset, value, message] of [
    ['a string index', entry.at[0] + 1, 0x7ffffff0, /string index \d+ out of range/],
    ['a record count', entry.at[0], 0x7ffffff0, /bad record count|wrong length/],
  ] as const) {
    const b = Buffer.from(good);
    b.writeInt32LE(value, dataAt + offset * 4);
    b.writeUInt32LE(crc32(b.subarray(0, b.length - 4)), b.length - 4);
    writeFileSync(path, b);
    for (const n of readdirSync(cacheDir)) if (n.startsWith('derived-')) rmSync(join(cacheDir, n));
    const r = run(['defs', tree, '--kind', 'function', '--cache-dir', cacheDir]);
    assert.equal(r.code, 0, `${what}: ${r.err}`);
    assert.equal(r.out, expected, what);
    assert.equal(r.lines.length, 1, `${what}: ${r.err}`);
    assert.match(r.lines[0], /cache damaged \(.*\); rebuilding it/, what);
    assert.match(r.lines[0], message, what);
    assert.equal(run(['defs', tree, '--kind', 'function', '--cache-dir', cacheDir]).lines.length, 0, `${what}: rebuilt on disk`);
    assert.ok(existsSync(path));
  }
});

test('a fresh-tree beacon holding JSON that is not an object (null, a number, a list) is not trusted, and no crash', async () => {
  const { beaconVouches, beaconPath } = await import('../../src/core/map/freshBeacon.ts');
  const dir = scratch();
  const meta = { root: '/t', key: 'k', writtenAt: 'w' } as DerivedMeta;
  for (const text of ['null', '7', '[]', '"x"', '{"root":"/t","key":"k","writtenAt":"w","pid":null}']) {
    writeFileSync(beaconPath(dir, 's'), text);
    assert.equal(beaconVouches(dir, 's', meta), false, text);
  }
  writeFileSync(beaconPath(dir, 's'), JSON.stringify({ ...meta, pid: process.pid }));
  assert.equal(beaconVouches(dir, 's', meta), true, 'a sound beacon of a live host still vouches');
});
