/**
 * The last `maxLines` non-empty lines of a program's output, at most `maxChars` characters,
 * with CRLF normalised. Errors keep only this much: enough to see why, small enough to print.
 */
export function tailText(text: string, maxLines = 20, maxChars = 4000): string {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const tail = lines.slice(-maxLines).join('\n');
  return tail.length > maxChars ? `…${tail.slice(tail.length - maxChars + 1)}` : tail;
}
