// Names from the tree are input too (issue 12, item 2: "every lookup of a user-supplied name in a
// plain object"): a C ops table whose members are called `__proto__`, `constructor`, `toString` and
// `hasOwnProperty` keeps every member, parsed by each tier and read back from the cache, and calls
// through them resolve. Before, `.__proto__ = fn` was an assignment to a plain object's prototype:
// the member vanished and `ops->__proto__(x)` stayed unresolved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, copyFixtureTree, scratch } from '../helpers.ts';

const EVIL = `#include <linux/skb.h>

struct evil_ops {
\tint (*__proto__)(int x);
\tint (*constructor)(int x);
\tint (*toString)(int x);
\tint (*hasOwnProperty)(int x);
};

static int evil_proto(int x) { return x; }
static int evil_ctor(int x) { return x + 1; }
static int evil_tostring(int x) { return x + 2; }
static int evil_own(int x) { return x + 3; }

static const struct evil_ops evil_table = {
\t.__proto__ = evil_proto,
\t.constructor = evil_ctor,
\t.toString = evil_tostring,
\t.hasOwnProperty = evil_own,
};

int evil_call(const struct evil_ops *ops, int x)
{
\treturn ops->__proto__(x) + ops->constructor(x) + ops->toString(x) + ops->hasOwnProperty(x);
}

int constructor(int x) { return evil_call(&evil_table, x); }
int __proto__(int x) { return constructor(x); }
`;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

// pairs, not an object literal: `{ __proto__: … }` would itself set a prototype
const MEMBERS: [string, string][] = [['__proto__', 'evil_proto'], ['constructor', 'evil_ctor'], ['hasOwnProperty', 'evil_own'], ['toString', 'evil_tostring']];

for (const tier of [[], ['--precise', '--workers', '0']]) {
  test(`ops members named like Object.prototype's own are kept and resolved (${tier.length ? 'tree-sitter bodies, in this thread' : 'default tiers, in workers'}; parsed, then from the cache)`, () => {
    const tree = copyFixtureTree();
    mkdirSync(join(tree, 'net/evil'));
    writeFileSync(join(tree, 'net/evil/evil.c'), EVIL);
    const cache = ['--cache-dir', scratch(), ...tier];
    for (const pass of ['parsed', 'from the cache']) {
      const ops = JSON.parse(cli(['ops', tree, '--struct', 'evil_ops', '--json', ...cache]));
      assert.equal(ops.length, 1, pass);
      assert.deepEqual(Object.entries(ops[0].members).sort(), MEMBERS, `${pass}: ${JSON.stringify(ops[0])}`);
      const callees = cli(['callees', tree, 'evil_call', ...cache]);
      for (const [member, fn] of MEMBERS) assert.match(callees, new RegExp(`evil_call → ${fn} .*evil_ops\\.${member};`), `${pass}: ${callees}`);
      assert.doesNotMatch(callees, /unresolved/, pass);
      assert.match(cli(['callers', tree, 'constructor', ...cache]), /^__proto__ → constructor /, pass);
    }
  });
}
