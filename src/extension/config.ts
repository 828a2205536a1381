// Settings, read at call time (never cached), so a change applies on the next use.
import * as vscode from 'vscode';
import type { AlertThresholds } from '../core/metrics/index.ts';

export const SECTION = 'netstackAtlas';

const get = <T>(key: string, fallback: T): T => vscode.workspace.getConfiguration(SECTION).get<T>(key, fallback);

export const config = {
  include: () => get<string[]>('scope.include', []),
  exclude: () => get<string[]>('scope.exclude', []),
  allFiles: () => get<boolean>('scope.all', false),
  workers: () => get<number>('index.workers', 0),
  /** Empty: the CLI's default (`$XDG_CACHE_HOME/netstack-atlas/<hash of the tree path>`), shared by every window and profile. */
  cacheDirectory: () => get<string>('index.cacheDirectory', '').trim(),
  indexOnOpen: () => get<boolean>('index.onOpen', true),
  openMapOnStart: () => get<boolean>('map.openOnStart', false),
  intervalMs: () => get<number>('metrics.intervalMs', 1000),
  historyMinutes: () => get<number>('metrics.historyMinutes', 10),
  metricsSource: () => get<string>('metrics.source', 'procfs'),
  thresholds: (): Partial<AlertThresholds> => ({
    listenQueueRatio: get<number>('alerts.listenQueueRatio', 0.9),
    conntrackRatio: get<number>('alerts.conntrackRatio', 0.9),
    softnetDroppedPerSec: get<number>('alerts.softnetDroppedPerSec', 0),
    udpNoPortsPerSec: get<number>('alerts.udpNoPortsPerSec', 0),
    tcpRetransPerSec: get<number>('alerts.tcpRetransPerSec', 100),
  }),
  hoverEnabled: () => get<boolean>('hover.enabled', true),
  codeLensEnabled: () => get<boolean>('codeLens.enabled', true),
  codeLensRefreshMs: () => get<number>('codeLens.refreshMs', 2000),
};
