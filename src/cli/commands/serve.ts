// `netstack-atlas serve <tree> [--port P]`: the layer map for people without VS Code. The same
// webview bundle, served on 127.0.0.1 only, behind a random token in the URL; messages up by POST
// (validated against the protocol like in the extension), down by server-sent events. Opening a node
// shows its source text. Runs until interrupted.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from '../command.ts';
import { lastValue, numberFlag } from '../args.ts';
import { TREE_BOOLEAN_FLAGS, TREE_VALUE_FLAGS, distDir, openTree } from '../openTree.ts';
import { buildGraphs } from '../../core/map/graphs.ts';
import { MapBuilder, liveMessage } from '../../core/map/mapModel.ts';
import { parseFromWebview, type FromWebview, type MapNode, type ToWebview } from '../../core/map/protocol.ts';
import { Sampler, takeSnapshot, parseSource } from '../../core/metrics/index.ts';
import { treeFileReader } from '../../core/index/treeFiles.ts';
import { serveRuntime } from '../runtimeHost.ts';

const serve: CliCommand = {
  name: 'serve',
  usage: 'serve <tree> [--port P] [--source procfs|URL|prometheus:URL#sel] [--no-metrics]   (the layer map on http://127.0.0.1:P/?token=…)',
  valueFlags: [...TREE_VALUE_FLAGS, 'port', 'source'],
  booleanFlags: [...TREE_BOOLEAN_FLAGS, 'no-metrics'],
  async run(args, io) {
    const port = numberFlag(args, 'port', 0, 0, 65535);
    const spec = parseSource(lastValue(args, 'source'));
    const session = await openTree(args, io);
    const graphs = buildGraphs(session.index, (l) => io.err(`netstack-atlas: ${l}\n`));
    const builder = new MapBuilder({ index: session.index, ...graphs });
    const model = builder.build();
    const read = treeFileReader(session.tree.root);
    const dist = distDir();
    const token = randomBytes(18).toString('base64url');
    const clients = new Set<ServerResponse>();
    const shown = new Map<string, MapNode>(model.nodes.map((n) => [n.id, n]));
    const sourceText = lastValue(args, 'source') ?? 'procfs';

    let sampler: Sampler | undefined;
    let problem: string | undefined;
    const send = (res: ServerResponse, m: ToWebview) => res.write(`data: ${JSON.stringify(m)}\n\n`);
    const broadcast = (m: ToWebview) => {
      for (const c of clients) send(c, m);
    };
    const live = () => liveMessage(sampler?.latest ?? undefined, sourceText, args.booleans.has('no-metrics') ? 'metrics off (--no-metrics)' : problem, shown.values(), (c) => (sampler ? sampler.history.get(c).values.slice(-60).map((v) => (Number.isFinite(v) ? v : 0)) : []));
    if (!args.booleans.has('no-metrics')) {
      sampler = new Sampler({ take: (full) => takeSnapshot(spec, { sockets: full }), fullEvery: 5 });
      sampler.on('sample', (s) => {
        problem = Object.keys(s.snapshot.groups).length ? undefined : 'no counters from the source';
        broadcast(live());
      });
      sampler.on('error', (e) => {
        problem = e.message;
        broadcast(live());
      });
      sampler.start();
    }

    const runtime = serveRuntime(session, graphs, broadcast, (r) => {
      for (const n of r.overlay.nodes) shown.set(n.id, n);
    });

    const handle = (m: FromWebview): ToWebview | undefined => {
      switch (m.type) {
        case 'map/ready':
          return { type: 'map/init', model };
        case 'map/expand': {
          const r = builder.expand(m.fn, m.direction);
          for (const n of r.nodes) shown.set(n.id, n);
          return { type: 'map/expanded', id: m.id, nodeId: m.nodeId, ...r };
        }
        case 'map/trace': {
          const r = builder.trace(m.preset);
          for (const n of r.nodes) shown.set(n.id, n);
          return { type: 'map/path', id: m.id, ...r };
        }
        case 'map/open':
          return { type: 'map/source', id: m.id, file: m.file, line: m.line, text: read(m.file) ?? null };
        case 'map/traceVia': {
          const r = builder.traceVia(m.from, m.via, m.to, m.depth);
          for (const n of r.nodes) shown.set(n.id, n);
          return { type: 'map/path', id: m.id, ...r };
        }
        case 'map/png':
        case 'map/save':
          return undefined;
        case 'map/log':
          io.err(`netstack-atlas serve: map ${m.level}: ${m.message}\n`);
          return undefined;
        case 'map/svg':
          return undefined;
        case 'runtime/record': // perf starts only on this user action
          void runtime.record(m.seconds, m.mode);
          return undefined;
        case 'runtime/stop':
          runtime.stop();
          return undefined;
      }
    };

    const html = () => {
      const nonce = randomBytes(16).toString('base64');
      const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:; connect-src 'self'`;
      return { csp, body: `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" href="webview.css"><title>Netstack Atlas: Stack Map</title></head><body><div id="app" data-host="serve"></div><script nonce="${nonce}" src="webview.js"></script></body></html>` };
    };

    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const deny = (code: number, text: string) => {
        res.writeHead(code, { 'content-type': 'text/plain' });
        res.end(text + '\n');
      };
      // the page and the bundle are public; everything that reads the tree needs the token
      if (req.method === 'GET' && url.pathname === '/') {
        if (url.searchParams.get('token') !== token) return deny(403, 'missing or wrong token: use the URL printed by `netstack-atlas serve`');
        const h = html();
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': h.csp, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
        return res.end(h.body);
      }
      if (req.method === 'GET' && (url.pathname === '/webview.js' || url.pathname === '/webview.css')) {
        const f = join(dist, url.pathname.slice(1));
        if (!existsSync(f)) return deny(404, 'not built');
        res.writeHead(200, { 'content-type': url.pathname.endsWith('.js') ? 'text/javascript' : 'text/css', 'x-content-type-options': 'nosniff' });
        return res.end(readFileSync(f));
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204);
        return res.end();
      }
      if (url.searchParams.get('token') !== token) return deny(403, 'wrong token');
      if (req.method === 'GET' && url.pathname === '/api/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/api/msg') {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => {
          body += c;
          if (body.length > 1_000_000) req.destroy();
        });
        req.on('end', () => {
          let m: FromWebview | undefined;
          try {
            m = parseFromWebview(JSON.parse(body));
          } catch {
            m = undefined;
          }
          if (!m) {
            io.err(`netstack-atlas serve: dropped a message of the wrong shape: ${body.slice(0, 200)}\n`);
            return deny(400, 'message does not match the protocol');
          }
          const reply = handle(m);
          if (reply) broadcast(reply);
          if (m.type === 'map/ready' || m.type === 'map/expand' || m.type === 'map/trace' || m.type === 'map/traceVia') broadcast(live());
          res.writeHead(204);
          res.end();
        });
        return;
      }
      deny(404, 'not found');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    io.out(`netstack-atlas: stack map of ${session.tree.root} (Linux ${session.tree.kernelVersion ?? '?'}, ${model.nodes.length} nodes) at http://127.0.0.1:${actual}/?token=${token}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    sampler?.stop();
    runtime.dispose(); // never leave perf running
    for (const c of clients) c.end();
    server.close();
    session.dispose();
    return 0;
  },
};

export const serveCommands: CliCommand[] = [serve];
