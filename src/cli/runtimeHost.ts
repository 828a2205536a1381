// The run-time recorder of `serve`: the same controller as the extension's, with this host's perf and
// files. Started only by the webview's `runtime/record`; killed when the server stops.
import type { IndexSession } from '../core/index/indexer.ts';
import type { Graphs } from '../core/map/graphs.ts';
import type { ToWebview } from '../core/map/protocol.ts';
import { RuntimeController, type RuntimeResult } from '../core/map/runtimeController.ts';
import { treeFileReader } from '../core/index/treeFiles.ts';
import { joinContext, type JoinContext } from '../core/runtime/join.ts';
import { kernelRelease, readSystemFile, systemRecorderDeps } from '../core/runtime/system.ts';

export function serveRuntime(session: IndexSession, graphs: Pick<Graphs, 'callGraph' | 'layers'>, post: (m: ToWebview) => void, onResult?: (r: RuntimeResult) => void): RuntimeController {
  let ctx: JoinContext | undefined;
  return new RuntimeController({
    deps: systemRecorderDeps(),
    context: () => (ctx ??= joinContext(session.index, graphs.callGraph, graphs.layers, treeFileReader(session.tree.root), readSystemFile, kernelRelease())),
    post,
    onResult,
  });
}
