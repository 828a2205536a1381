// Text from outside (tree files, metrics sources, HTTP requests, webview messages) reaches stderr in
// messages and stdout in answers; raw control characters in it could move the cursor, recolour,
// retitle or clear the terminal. They are shown escaped instead (`\x1b`, `\u009b`): the escapes of
// C1 controls, DEL and bidi overrides are JSON's own, so `--json` output stays valid and exact.

/** C0 controls except tab and newline, DEL, C1 controls, and the bidirectional overrides. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string) => {
  const code = c.charCodeAt(0);
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** `text` with control characters escaped; a leading `\r` (a progress line redrawn in place) is kept. */
export function terminalSafe(text: string): string {
  const lead = text.startsWith('\r') ? '\r' : '';
  return lead + text.slice(lead.length).replace(CONTROL, escape);
}

/** One line for a log: newlines and controls escaped, cut at `max` characters. */
export function oneLine(text: string, max = 200): string {
  const s = text.replace(/\n/g, '\\n').replace(/\t/g, ' ').replace(CONTROL, escape);
  return s.length > max ? s.slice(0, max) + '…' : s;
}
