// A node_exporter that answers 200 MB, chunked, respecting back-pressure: the exporter size cap is
// tested (test/metrics/hardening.test.ts) and measured (bench/hardening.ts) against it.
import type { IncomingMessage, ServerResponse } from 'node:http';

const CHUNK = Buffer.alloc(1024 * 1024, 'node_netstat_Tcp_InSegs 1\n');

export function hugeExporterAnswer(_q: IncomingMessage, res: ServerResponse, megabytes = 200): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  let sent = 0;
  const pump = () => {
    while (sent < megabytes) {
      sent++;
      if (!res.write(CHUNK)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('error', () => {});
  pump();
}
