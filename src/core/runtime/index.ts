// The run-time subsystem: perf-sampled kernel stacks and skb drops, read, joined with the tree and
// checked against the static call graph. Entry points:
//   readPerfScript(stream) → PerfRecording (folded stacks, drops)   toFolded(stacks) / parseFolded(text)
//   explainEdges(graph, pairs, maxHops) / new EdgeExplainer(graph)   → {kind, hops, via} | null per pair
//   joinProfile / joinDrops (recording + index + layers + graph)    → the CLI's JSON reports
//   new Recorder(deps).record(options)                              → runs perf (runner passed in)
export { PERF_SCRIPT_FIELDS, PerfScriptReader, readPerfScript, emptyRecording, type PerfRecording, type DropTally, type ReaderOptions } from './perfScript.ts';
export { toFolded, parseFolded, looksFolded } from './folded.ts';
export { EdgeExplainer, explainEdges, type EdgeSource, type StaticVerdict } from './verdict.ts';
export { joinProfile, joinDrops, joinContext, dropLines, type ProfileReport, type DropsReport, type JoinContext, type ProfileFunction, type ProfileEdge, type DropLocation } from './join.ts';
export { loadDropReasons, parseFormatReasons, parseTreeReasons, reasonName, KFREE_SKB_FORMAT, type DropReasons } from './dropReasons.ts';
export { Recorder, perfArgs, DEFAULT_FREQUENCY, type RecordOptions, type RecorderDeps, type RecordResult, type RuntimeMode, type RecordProgress } from './recorder.ts';
export { spawnPerfRunner, runningPerfProcesses, type PerfRunner, type PerfPipeline, type Exit } from './perfProcess.ts';
export { RuntimeProblem, type ProblemCode, versionNote } from './diagnose.ts';
export { treeName, stripCloneSuffix } from './symbols.ts';
export { formatProfile, formatDrops, rateText } from './format.ts';
export { systemRecorderDeps, readRecordingFile, readSystemFile, kernelRelease, pidsInNetns } from './system.ts';
