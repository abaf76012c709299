/** Saves text as a file through a Blob URL: no server round trip, no navigation. */
export function downloadText(filename: string, mime: string, body: string): void {
  const url = URL.createObjectURL(new Blob([body], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = safeFilename(filename);
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The click has started the download; give it a moment before the URL goes away.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A server-given name is only a suggestion: no folders, no control characters. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/^\.+/, '')
    .trim();
  return clean === '' ? 'export.txt' : clean.slice(0, 200);
}
