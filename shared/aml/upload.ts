import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { CanceledError } from '../errors';

export interface UploadProgress {
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
}

export interface UploadOptions {
  signal: AbortSignal;
  /** Files uploaded at once; large files are also split into parallel blocks. */
  concurrency?: number;
  onProgress?: (p: UploadProgress) => void;
}

/** Files above this go up as parallel blocks; smaller ones in one request each. */
const SINGLE_SHOT_LIMIT = 8 * 1024 * 1024;
const BLOCK_SIZE = 8 * 1024 * 1024;

/**
 * Uploads files (relative to root, '/'-separated) under a blob prefix, many at once, and returns
 * the bytes sent. Progress is reported as files finish and while large blocks go up.
 */
export async function uploadFiles(
  container: ContainerClient,
  root: string,
  files: readonly string[],
  prefix: string,
  options: UploadOptions,
): Promise<number> {
  // Every block request in flight listens on the run's signal; that many listeners is expected here.
  setMaxListeners(0, options.signal);
  const sizes = files.map((f) => fs.statSync(path.join(root, f)).size);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const progress: UploadProgress = { files: 0, totalFiles: files.length, bytes: 0, totalBytes };
  const partial = new Map<number, number>();
  const report = () => {
    let inFlight = 0;
    for (const v of partial.values()) inFlight += v;
    options.onProgress?.({ ...progress, bytes: progress.bytes + inFlight });
  };
  let next = 0;
  const worker = async () => {
    for (;;) {
      if (options.signal.aborted) throw new CanceledError();
      const i = next++;
      if (i >= files.length) return;
      const file = path.join(root, files[i]);
      const blob = container.getBlockBlobClient(`${prefix}/${files[i]}`);
      if (sizes[i] <= SINGLE_SHOT_LIMIT) {
        await blob.uploadData(await fs.promises.readFile(file), { abortSignal: options.signal });
      } else {
        await blob.uploadFile(file, {
          abortSignal: options.signal,
          blockSize: BLOCK_SIZE,
          concurrency: 4,
          onProgress: (p) => {
            partial.set(i, p.loadedBytes);
            report();
          },
        });
        partial.delete(i);
      }
      progress.files++;
      progress.bytes += sizes[i];
      report();
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 16, files.length));
  await Promise.all(Array.from({ length: concurrency }, worker));
  return totalBytes;
}
