// Real traffic for the run-time tests (the live tier and the code-server scenarios): two network
// namespaces joined by a veth pair, an nftables rule in B dropping TCP to port 5002, and the traffic
// script run inside them. Every name carries the caller's tag; remove() takes the namespaces (and
// with them the veth pair and the nft table) and kills the traffic.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fixtures } from './helpers.ts';

export const sh = (args: string[]) => execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the live tests cannot run here ('' when they can). */
export function liveMissing(): string {
  return process.getuid?.() !== 0 ? 'needs root' : !hasCommand('perf') ? 'needs perf (apt install linux-perf)' : !hasCommand('nft') ? 'needs nft (apt install nftables)' : !hasCommand('ip') ? 'needs ip (iproute2)' : '';
}

export interface VethPair {
  nsA: string;
  nsB: string;
  /** B's address (A is `.1`, B `.2` of the /24 given). */
  addrB: string;
  /** The traffic script (test/runtime/fixtures/traffic.py) inside a namespace. */
  run(ns: string, args: string[]): ChildProcess;
  remove(): void;
}

/** Namespaces `<tag>a`/`<tag>b`, veth `<tag>va`/`<tag>vb` on `<net>.1`/`<net>.2` (net: `10.210.0`). */
export function vethPair(tag: string, net: string): VethPair {
  const nsA = `${tag}a`;
  const nsB = `${tag}b`;
  const children: ChildProcess[] = [];
  const made: string[] = [];
  const remove = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of made.splice(0)) {
      try {
        sh(['ip', 'netns', 'del', ns]);
      } catch {
        /* already gone */
      }
    }
  };
  try {
    for (const ns of [nsA, nsB]) {
      sh(['ip', 'netns', 'add', ns]);
      made.push(ns);
    }
    sh(['ip', 'link', 'add', `${tag}va`, 'netns', nsA, 'type', 'veth', 'peer', 'name', `${tag}vb`, 'netns', nsB]);
    for (const [ns, dev, addr] of [[nsA, `${tag}va`, `${net}.1/24`], [nsB, `${tag}vb`, `${net}.2/24`]]) {
      sh(['ip', '-n', ns, 'addr', 'add', addr, 'dev', dev]);
      sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // SYNs to port 5002 die in B's input hook (NETFILTER_DROP)
    sh(['ip', 'netns', 'exec', nsB, 'nft', 'add', 'table', 'inet', `${tag}t`]);
    sh(['ip', 'netns', 'exec', nsB, 'nft', 'add', 'chain', 'inet', `${tag}t`, 'in', '{ type filter hook input priority 0 ; }']);
    sh(['ip', 'netns', 'exec', nsB, 'nft', 'add', 'rule', 'inet', `${tag}t`, 'in', 'tcp', 'dport', '5002', 'drop']);
  } catch (e) {
    remove();
    throw e;
  }
  return {
    nsA,
    nsB,
    addrB: `${net}.2`,
    run(ns, args) {
      const c = spawn('ip', ['netns', 'exec', ns, 'python3', join(fixtures, 'traffic.py'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(c);
      return c;
    },
    remove,
  };
}

/** A TCP+UDP sink on `port` in B, resolved once it listens. */
export async function startSink(pair: VethPair, port: number): Promise<ChildProcess> {
  const sink = pair.run(pair.nsB, ['sink', String(port)]);
  await new Promise<void>((resolve, reject) => {
    sink.stdout!.once('data', () => resolve());
    sink.once('exit', (c) => reject(new Error(`sink exited ${c}`)));
  });
  return sink;
}
