// `netstack-atlas serve <tree> [--port P]`: the layer map for people without VS Code. The same
// webview bundle, served on 127.0.0.1 only, behind a random token in the URL; messages up by POST
// (validated against the protocol like in the extension), down by server-sent events. Opening a node
// shows its source text. Runs until interrupted.
import { createServer, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from '../command.ts';
import { PORT, TEXT, lastValue, portFlag } from '../args.ts';
import { TREE_BOOLEAN_FLAGS, TREE_FLAG_SPECS, TREE_VALUE_FLAGS, distDir, openTree } from '../openTree.ts';
import { treePositionals } from './index.ts';
import { Router, reply, type Route } from '../serve/router.ts';
import { oneLine } from '../terminalText.ts';
import { graphsFrom } from '../../core/map/graphs.ts';
import { derivedOfArgs, openDerived, startBeacon } from '../derivedTree.ts';
import type { ParsedArgs } from '../args.ts';
import type { CliIo } from '../command.ts';
import type { IndexSession } from '../../core/index/indexer.ts';
import type { TreeInfo } from '../../core/index/kernelTree.ts';
import { CorruptCache } from '../../core/index/factsCodec.ts';
import { NeedsIndex, type DerivedStore } from '../../core/map/derivedStore.ts';
import type { RuntimeController } from '../../core/map/runtimeController.ts';
import { saveDerived } from '../../core/map/derivedSession.ts';
import { MapBuilder, liveMessage } from '../../core/map/mapModel.ts';
import { parseFromWebview, type FromWebview, type MapModel, type MapNode, type ToWebview } from '../../core/map/protocol.ts';
import { Sampler, takeSnapshot, parseSource, redactUrl } from '../../core/metrics/index.ts';
import { readTreeFile, TreeFileError } from '../../core/index/treeFiles.ts';
import { serveRuntime } from '../runtimeHost.ts';

/** Open event streams at most (each page holds one). */
export const MAX_EVENT_STREAMS = 16;
/** A stream whose reader lags this far behind is dropped (it reconnects and gets the model again). */
const MAX_STREAM_BACKLOG = 16 * 1024 * 1024;
/** Page ids remembered as having their model (oldest forgotten first). */
const MAX_MODELLED = 1024;
/** Largest source file map/open sends. */
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;
/** The page names its event stream with this id, and sends it with every message. */
const CLIENT_ID = /^[\w-]{8,64}$/;

interface Loaded {
  session: IndexSession;
  store: DerivedStore;
  builder: MapBuilder;
  runtime: RuntimeController;
  model: MapModel;
}

/** The map model straight from a current cache (no index opened), else undefined. */
function openFastModel(args: ParsedArgs, io: CliIo): { tree: TreeInfo; store: DerivedStore; model: MapModel; cacheDir?: string } | undefined {
  const { tree, store, fresh, cacheDir } = openDerived(args, io);
  try {
    if (fresh) return { tree, store, cacheDir, model: store.mapModel(() => { throw new NeedsIndex('map section missing'); }) };
  } catch (e) {
    if (!(e instanceof NeedsIndex) && !(e instanceof CorruptCache)) throw e;
  }
  store.close();
  return undefined;
}

const serve: CliCommand = {
  name: 'serve',
  usage: 'serve <tree> [--port P] [--source procfs|URL|prometheus:URL#sel] [--no-metrics]   (the layer map on http://127.0.0.1:P/?token=…)',
  valueFlags: [...TREE_VALUE_FLAGS, 'port', 'source'],
  booleanFlags: [...TREE_BOOLEAN_FLAGS, 'no-metrics'],
  flags: { ...TREE_FLAG_SPECS, port: PORT, source: TEXT },
  positionals: treePositionals([]),
  async run(args, io) {
    const port = portFlag(args, 'port', 0);
    const spec = parseSource(lastValue(args, 'source'));
    const log = (line: string) => io.err(`netstack-atlas serve: ${line}\n`);
    const note = (l: string) => io.err(`netstack-atlas: ${l}\n`);
    // A current cache answers the page at once (the map model is a section of the derived state); the
    // index, which expand, trace, open and recordings need, is opened after the URL is out.
    const fast = openFastModel(args, io);
    /** Event streams by the page's client id. */
    const clients = new Map<string, ServerResponse>();
    /** Nodes any page has been sent (their counters go into the live samples). */
    const shown = new Map<string, MapNode>();
    /** Pages that have their model (sent map/ready): a reconnecting stream gets the last overlay again. */
    const modelled = new Set<string>();
    const send = (res: ServerResponse, m: ToWebview) => {
      // A reader that does not keep up is dropped rather than buffered without bound.
      if (res.writableLength > MAX_STREAM_BACKLOG) return void res.destroy();
      res.write(`data: ${JSON.stringify(m)}\n\n`);
    };
    const broadcast = (m: ToWebview) => {
      for (const c of clients.values()) send(c, m);
    };
    let ready: Loaded | undefined;
    let loading: Promise<Loaded> | undefined;
    const load = (): Promise<Loaded> => {
      if (loading) return loading;
      loading = (async () => {
        const session = await openTree(args, io);
        // the call graph, layers, counters and the map itself from the cache when current (else built and saved)
        const store = derivedOfArgs(args, session, note);
        const graphs = graphsFrom(store, session.index, note);
        const builder = new MapBuilder({ index: session.index, ...graphs });
        const model = fast?.model ?? store.mapModel(() => builder);
        builder.adoptColumns(model);
        // A recording's progress and result go to every open page (one recording per server).
        const runtime = serveRuntime(session, graphs, broadcast, (r) => {
          for (const n of r.overlay.nodes) shown.set(n.id, n);
        });
        // opened after the URL (from a current cache): what had to be rebuilt is saved now
        if (fast && store.rebuilt.length) saveDerived(store, session);
        return (ready = { session, store, builder, runtime, model });
      })();
      // after the URL (from a current cache) a failure is said once here, and each request that needed
      // the index says its own; before it, the command fails with it as usual
      if (fast) loading.catch((e: unknown) => log(`opening the index failed: ${oneLine(e instanceof Error ? e.message : String(e), 300)}`));
      return loading;
    };
    const model = fast ? fast.model : (await load()).model;
    const tree = fast ? fast.tree : ready!.session.tree;
    const root = tree.root;
    const dist = distDir();
    const token = randomBytes(18).toString('base64url');
    for (const n of model.nodes) shown.set(n.id, n);
    const sourceText = redactUrl(lastValue(args, 'source') ?? 'procfs');

    let sampler: Sampler | undefined;
    let problem: string | undefined;
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

    /** A tree file for map/open: inside the tree's real root, a regular file, capped; else null and one line. */
    const sourceOf = (file: string): string | null => {
      try {
        return readTreeFile(root, file, MAX_SOURCE_BYTES).bytes.toString('utf8');
      } catch (e) {
        if (!(e instanceof TreeFileError)) throw e;
        if (e.problem !== 'missing') log(`map/open refused: ${e.message}`);
        return null;
      }
    };

    /** One message from the page → the reply for that page only (undefined: none). */
    const handle = async (m: FromWebview): Promise<ToWebview | undefined> => {
      switch (m.type) {
        case 'map/ready':
          if (!ready) setTimeout(() => void load(), 200); // once the page has its model
          return { type: 'map/init', model };
        case 'map/expand': {
          const { builder } = await load();
          const r = builder.expand(m.fn, m.direction);
          for (const n of r.nodes) shown.set(n.id, n);
          return { type: 'map/expanded', id: m.id, nodeId: m.nodeId, ...r };
        }
        case 'map/trace': {
          const { builder } = await load();
          const r = builder.trace(m.preset);
          for (const n of r.nodes) shown.set(n.id, n);
          return { type: 'map/path', id: m.id, ...r };
        }
        case 'map/open':
          return { type: 'map/source', id: m.id, file: m.file, line: m.line, text: sourceOf(m.file) };
        case 'map/traceVia': {
          const { builder } = await load();
          const r = builder.traceVia(m.from, m.via, m.to, m.depth);
          for (const n of r.nodes) shown.set(n.id, n);
          return { type: 'map/path', id: m.id, ...r };
        }
        case 'map/png':
        case 'map/save':
          return undefined;
        case 'map/log':
          log(`map ${m.level}: ${oneLine(m.message, 500)}`);
          return undefined;
        case 'map/svg':
          return undefined;
        case 'runtime/record': // perf starts only on this user action
          void (await load()).runtime.record(m.seconds, m.mode);
          return undefined;
        case 'runtime/stop':
          ready?.runtime.stop();
          return undefined;
      }
    };

    const html = () => {
      const nonce = randomBytes(16).toString('base64');
      const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:; connect-src 'self'`;
      return { csp, body: `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" href="webview.css"><title>Netstack Atlas: Stack Map</title></head><body><div id="app" data-host="serve"></div><script nonce="${nonce}" src="webview.js"></script></body></html>` };
    };
    const asset = (name: string, type: string): Route => ({
      method: 'GET',
      path: `/${name}`,
      auth: false,
      handle: ({ res }) => {
        const f = join(dist, name);
        if (!existsSync(f)) return reply(res, 404, 'not built');
        res.writeHead(200, { 'content-type': type, 'x-content-type-options': 'nosniff' });
        res.end(readFileSync(f));
      },
    });

    const routes: Route[] = [
      {
        method: 'GET',
        path: '/',
        auth: true,
        handle: ({ res }) => {
          const h = html();
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': h.csp, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
          res.end(h.body);
        },
      },
      asset('webview.js', 'text/javascript'),
      asset('webview.css', 'text/css'),
      { method: 'GET', path: '/favicon.ico', auth: false, handle: ({ res }) => void res.writeHead(204).end() },
      {
        method: 'GET',
        path: '/api/events',
        auth: true,
        handle: ({ req, res, query, head }) => {
          const id = query.get('client') ?? '';
          if (!CLIENT_ID.test(id)) return reply(res, 400, 'api/events needs ?client=<8-64 letters, digits, - or _>');
          if (!clients.has(id) && clients.size >= MAX_EVENT_STREAMS) return reply(res, 503, `too many open maps (${MAX_EVENT_STREAMS}); close one`, { 'retry-after': '10' });
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
          if (head) return void res.end();
          res.write(': connected\n\n');
          clients.get(id)?.destroy(); // the same page reconnecting
          clients.set(id, res);
          // a page that already has its model keeps the last recording's overlay across a reconnect
          // (a new page gets it after map/init: init clears the map's overlay)
          const last = ready?.runtime.last;
          if (modelled.has(id) && last) send(res, last.overlay);
          req.on('close', () => clients.get(id) === res && clients.delete(id));
        },
      },
      {
        method: 'POST',
        path: '/api/msg',
        auth: true,
        handle: async ({ res, query, body }) => {
          let m: FromWebview | undefined;
          try {
            m = parseFromWebview(JSON.parse(body));
          } catch {
            m = undefined;
          }
          if (!m) {
            log(`dropped a message of the wrong shape: ${oneLine(body, 200)}`);
            return reply(res, 400, 'message does not match the protocol');
          }
          // Replies go to the page that asked, on its own event stream.
          const to = clients.get(query.get('client') ?? '');
          if (!to) return reply(res, 409, 'open the event stream first (api/events?client=ID), then send with the same client id');
          res.writeHead(204); // accepted: the answer goes down the event stream
          res.end();
          let answer: ToWebview | undefined;
          try {
            answer = await handle(m);
          } catch (e) {
            return log(`${m.type} failed: ${oneLine(e instanceof Error ? e.message : String(e), 300)}`);
          }
          if (answer) send(to, answer);
          if (m.type === 'map/ready' || m.type === 'map/expand' || m.type === 'map/trace' || m.type === 'map/traceVia') send(to, live());
          if (m.type === 'map/ready') {
            // a second page, or this one reloaded: the last recording on its fresh model
            const last = ready?.runtime.last;
            if (last) send(to, last.overlay);
            modelled.add(query.get('client')!);
            if (modelled.size > MAX_MODELLED) modelled.delete(modelled.values().next().value!);
          }
        },
      },
    ];

    const server = createServer();
    let boundPort = port;
    new Router({ token, port: () => boundPort, log, routes }).attach(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    boundPort = typeof addr === 'object' && addr ? addr.port : port;
    io.out(`netstack-atlas: stack map of ${root} (Linux ${tree.kernelVersion ?? '?'}, ${model.nodes.length} nodes) at http://127.0.0.1:${boundPort}/?token=${token}\n`);
    if (!fast && ready!.store.rebuilt.length) saveDerived(ready!.store, ready!.session); // after the URL: the page is usable meanwhile
    // no page yet: open the index anyway, so the first expand does not wait for it
    if (!ready) setTimeout(() => void load(), 1500);
    // while it runs, CLI queries on this tree may skip their stat of every file (see freshBeacon.ts)
    const beacon = startBeacon(args, root, fast ? fast.cacheDir : ready!.session.access?.dir, note);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    // Promptly: streams and slow requests are cut, not waited for.
    beacon?.dispose();
    sampler?.stop();
    ready?.runtime.dispose(); // never leave perf running
    for (const c of clients.values()) c.destroy();
    server.close();
    server.closeAllConnections();
    ready?.store.close();
    ready?.session.dispose();
    fast?.store.close();
    return 0;
  },
};

export const serveCommands: CliCommand[] = [serve];
