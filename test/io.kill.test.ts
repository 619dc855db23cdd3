/**
 * A save killed mid-write (SIGKILL, so no cleanup code runs) leaves the target either the old or
 * the new complete file, and the next save of the target removes the temporary file it left.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeSystem, removeStaleTemps, tempName, writeAtomic } from '../src/io/atomic';
import { rng } from './safetensors.helpers';

const seed = 5;
const kills = 20;
const size = 256 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const temps = () => readdirSync(dir).filter((f) => f.includes('.tmp-'));

// The child is bundled to plain JavaScript once, so each start costs a bare `node` start.
const child = join(dir, 'saveLoop.mjs');
buildSync({ entryPoints: [join(__dirname, 'fixtures', 'saveLoop.ts')], bundle: true, platform: 'node', format: 'esm', outfile: child, logLevel: 'silent' });

/** Start the save loop, wait for its first complete save, kill it after `delay` ms, wait for the exit. */
function killMidSave(target: string, delay: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, target, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
    proc.on('error', reject);
    proc.on('exit', () => resolve());
    proc.stdout.once('data', () => setTimeout(() => proc.kill('SIGKILL'), delay));
  });
}

describe(`saves killed with SIGKILL (seed ${seed}, ${kills} kills)`, () => {
  it('the target is always a complete old or new file, and the next save leaves no temp file', async () => {
    const target = join(dir, 'model.safetensors');
    const mine = new Uint8Array(size).fill(0xcc);
    const random = rng(seed);
    let leftBehind = 0;
    for (let k = 0; k < kills; k++) {
      await killMidSave(target, Math.floor(random() * 40));
      const bytes = readFileSync(target);
      expect(bytes.length).toBe(size);
      expect([0xaa, 0xbb, 0xcc]).toContain(bytes[0]);
      expect(bytes.every((b) => b === bytes[0])).toBe(true);
      if (temps().length > 0) leftBehind++;
      await writeAtomic(nodeSystem, target, mine);
      expect(temps()).toEqual([]);
      expect(readFileSync(target).equals(mine)).toBe(true);
    }
    console.log(`io.kill: ${leftBehind} of ${kills} kills left a temporary file, each removed by the next save`);
    // A kill lands mid-write most of the time (writes with fsync dominate the loop).
    expect(leftBehind).toBeGreaterThan(0);
  });

  it('temp names are unique per call and carry the pid; a live process keeps its temp file', async () => {
    const target = join(dir, 'unique.safetensors');
    const names = new Set(Array.from({ length: 1000 }, () => tempName(target)));
    expect(names.size).toBe(1000);
    for (const n of names) expect(n.startsWith(`${target}.tmp-${process.pid}-`)).toBe(true);
    // A temp file of another live process (the parent of this one, say) is not stale.
    const other = `${target}.tmp-${process.ppid}-1-abc`;
    const dead = `${target}.tmp-999999999-1-abc`;
    const mineStale = `${target}.tmp-${process.pid}-0-old`;
    for (const f of [other, dead, mineStale]) await nodeSystem.writeTemp(f, Uint8Array.of(1));
    const removed = await removeStaleTemps(nodeSystem, target);
    expect(removed.sort()).toEqual([dead, mineStale].sort());
    expect(temps()).toEqual([other.slice(dir.length + 1)]);
    await nodeSystem.remove(other);
  });
});
