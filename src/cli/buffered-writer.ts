/**
 * Collects output into large chunks and writes them with backpressure, so that millions of
 * lines stream at full speed without buffering the whole output in memory.
 */
export class BufferedWriter {
  private buf = '';
  private closed = false;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly chunk = 1 << 16,
  ) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      // A reader that went away (`| head`) ends the output; nothing else is lost.
      if (e.code === 'EPIPE') this.closed = true;
    });
  }

  /** True once the reader has gone away. */
  get isClosed(): boolean {
    return this.closed;
  }

  async write(text: string): Promise<void> {
    this.buf += text;
    if (this.buf.length >= this.chunk) await this.flush();
  }

  async flush(): Promise<void> {
    const data = this.buf;
    this.buf = '';
    if (data === '' || this.closed) return;
    if (this.stream.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }
}
