import { readFileSync, realpathSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** The file access the parser needs; injectable so tests and the YAML front-end can share it. */
export interface ConfigFs {
  /** Reads a config file as UTF-8 (a BOM is kept, as Python keeps it). */
  readText(path: string): string;
  /** True for a regular file (symlinks followed), like Python's `os.path.isfile`. */
  isFile(path: string): boolean;
  /** Canonical path, used to recognise include loops. */
  realpath(path: string): string;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const nodeConfigFs: ConfigFs = {
  readText(path) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (cause) {
      const reason = cause instanceof Error && 'code' in cause ? String(cause.code) : 'error';
      throw new ConfigError('CFG_READ', `cannot read ${path} (${reason})`, { cause });
    }
    try {
      return decoder.decode(bytes);
    } catch (cause) {
      throw new ConfigError('CFG_READ', `${path} is not valid UTF-8`, { cause });
    }
  },
  isFile(path) {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  realpath(path) {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  },
};
