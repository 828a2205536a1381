// Flags (issue 12, item 15, and item 2 on the CLI): every flag checked before any work — the tree
// given here does not exist, so an answer about the flag proves nothing else ran — one line each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/main.ts';
import { checkFlag, int, num, PORT, validateArgs, parseArgs, UsageError } from '../../src/cli/args.ts';
import { fixtureTree } from '../helpers.ts';

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err, first: err.split('\n')[0] };
}
const NO_TREE = '/nonexistent/tree';

test('--port: decimal 1-65535 (0 = any free port); 0x50, empty, 1.5, 65536, -1, 1e3 rejected before the index loads', async () => {
  for (const bad of ['0x50', '', '1.5', '65536', '-1', '1e3', ' 80', '८०']) {
    const r = await cli(['serve', NO_TREE, '--port', bad]);
    assert.equal(r.code, 2, `--port '${bad}': ${r.err}`);
    assert.equal(r.first, `netstack-atlas serve: --port must be a port number 1-65535 (0: any free port), got '${bad}'`);
  }
  assert.equal(checkFlag('port', '8080', PORT), 8080);
  assert.equal(checkFlag('port', '0', PORT), 0);
});

test('whole numbers where whole numbers are meant: --max-depth 3.7, --count 2.5, --workers 1.5, --k 0x2', async () => {
  const cases: [string[], RegExp][] = [
    [['path', NO_TREE, 'a', 'b', '--max-depth', '3.7'], /^netstack-atlas path: --max-depth must be a whole number in \[1, 200\], got '3.7'$/],
    [['path', NO_TREE, 'a', 'b', '--k', '0x2'], /--k must be a whole number/],
    [['watch', '--count', '2.5'], /^netstack-atlas watch: --count must be a whole number in \[0, 1000000000\], got '2.5'$/],
    [['watch', '--count', ''], /--count must be a whole number/],
    [['watch', '--interval', '0x10'], /--interval must be a number in \[0.05, 3600\], got '0x10'/],
    [['watch', '--full-every', '1.5'], /--full-every must be a whole number/],
    [['counters', '--netns', '12.5'], /--netns must be a whole number/],
    [['counters', '--window', 'Infinity'], /--window must be a number/],
    [['index', NO_TREE, '--workers', '1.5'], /--workers must be a whole number in \[0, 64\]/],
  ];
  for (const [argv, re] of cases) {
    const r = await cli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.first, re);
  }
});

test('extra positional arguments are rejected, named', async () => {
  const cases: [string[], string][] = [
    [['counters', 'extra'], "netstack-atlas counters: unexpected argument 'extra' (takes none)"],
    [['watch', 'a', 'b'], "netstack-atlas watch: unexpected arguments 'a' 'b' (takes none)"],
    [['index', NO_TREE, 'extra'], "netstack-atlas index: unexpected argument 'extra' (takes <tree>)"],
    [['serve', NO_TREE, '8080'], "netstack-atlas serve: unexpected argument '8080' (takes <tree>)"],
    [['callers', NO_TREE, 'tcp_sendmsg', 'x'], "netstack-atlas callers: unexpected argument 'x' (takes <tree> <function>)"],
    [['path', NO_TREE, 'a', 'b', 'c'], "netstack-atlas path: unexpected argument 'c' (takes <tree> <from> <to>)"],
    [['struct', NO_TREE], 'netstack-atlas struct: missing <name>'],
    [['index'], 'netstack-atlas index: missing <tree>'],
  ];
  for (const [argv, line] of cases) {
    const r = await cli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.equal(r.first, line);
  }
});

test('path --preset toString / __proto__ / constructor: one line naming the known presets', async () => {
  for (const p of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf']) {
    const r = await cli(['path', NO_TREE, '--preset', p]);
    assert.equal(r.code, 2);
    assert.equal(r.first, `netstack-atlas path: unknown preset '${p}' (known: tcp-send, udp-send, tcp-receive, udp-receive, netif-rx)`);
  }
  const k = await cli(['defs', NO_TREE, '--kind', 'constructor']);
  assert.equal(k.first, "netstack-atlas defs: unknown kind 'constructor' (known: function, struct, macro, enum)");
  const both = await cli(['path', NO_TREE, 'a', 'b', '--preset', 'tcp-send']);
  assert.equal(both.first, 'netstack-atlas path: give <from> <to> or --preset NAME, not both');
});

test('a known preset passes and is looked up in the index (the small fixture tree lacks its functions)', async () => {
  const r = await cli(['path', fixtureTree, '--preset', 'netif-rx', '--no-cache', '--workers', '0', '--quiet', '--max-depth', '10']);
  assert.equal(r.code, 1);
  assert.equal(r.err, "netstack-atlas path: unknown function 'netif_rx'\n");
});

test('the validator is declarative: a command declares flags and positionals, nothing else to write', () => {
  const spec = { flags: { seconds: num(0.1, 600), top: int(1, 100) }, positionals: { names: ['<tree>', '<what>'], required: 1 } };
  validateArgs(parseArgs(['t', '--seconds', '2.5', '--top', '3'], new Set(['seconds', 'top'])), spec);
  assert.throws(() => validateArgs(parseArgs(['t', '--top', '3.5'], new Set(['seconds', 'top'])), spec), UsageError);
  assert.throws(() => validateArgs(parseArgs(['t', 'w', 'x'], new Set()), spec), /unexpected argument 'x'/);
  assert.throws(() => validateArgs(parseArgs([], new Set()), spec), /missing <tree>/);
});

test('every numeric flag of every command: fractional, hex, empty, NaN and out-of-range values are one line, before any work', async () => {
  const { commands } = await import('../../src/cli/commands.ts');
  let checked = 0;
  for (const c of commands) {
    // required positionals filled in; the tree does not exist, so any answer but the flag's line means work started
    const pos = (c.positionals?.names ?? []).slice(0, c.positionals?.required ?? c.positionals?.names.length).map((n) => (n === '<tree>' ? NO_TREE : 'x'));
    for (const [flag, spec] of Object.entries(c.flags ?? {}).filter(([f]) => c.valueFlags.includes(f))) {
      const bad = spec.type === 'int' ? ['2.5', '0x2', '', 'NaN', '1e1', String(spec.max + 1)] : spec.type === 'number' ? ['0x10', '', 'NaN', '1,5', 'Infinity', String(spec.max * 2 + 1)] : spec.type === 'port' ? ['0x50', '', '1.5'] : [];
      for (const v of bad) {
        const r = await cli([c.name, ...pos, `--${flag}`, v]);
        assert.equal(r.code, 2, `${c.name} --${flag} '${v}': ${r.err}`);
        assert.match(r.first, new RegExp(`^netstack-atlas ${c.name}: --${flag} must be a (whole number|number|port number)[^']*, got '${v.replace(/[.+]/g, '\\$&')}'$`), `${c.name} --${flag} '${v}'`);
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `${checked} values checked`);
});

test('every command refuses an extra positional argument, naming it', async () => {
  const { commands } = await import('../../src/cli/commands.ts');
  for (const c of commands) {
    const names = c.positionals?.names ?? [];
    const r = await cli([c.name, ...names.map((n) => (n === '<tree>' ? NO_TREE : 'x')), 'surplus']);
    assert.equal(r.code, 2, `${c.name}: ${r.err}`);
    assert.equal(r.first, `netstack-atlas ${c.name}: unexpected argument 'surplus' (takes ${names.length ? names.join(' ') : 'none'})`);
  }
});
