// The operator's work queue: one entry per key however often it is added, a
// key never processed by two workers at once, changes during processing
// never lost, exponential per-key retry backoff under an overall rate limit.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../operator/k8s/queue.ts';

describe('WorkQueue', () => {
  it('holds a waiting key once however often it is added, in first-added order', async () => {
    const q = new WorkQueue();
    for (const k of ['a', 'b', 'a', 'c', 'b', 'a']) q.add(k);
    assert.equal(q.length, 3);
    const got = [await q.get(), await q.get(), await q.get()];
    assert.deepEqual(got, ['a', 'b', 'c']);
    assert.equal(q.length, 0);
  });

  it('re-delivers a key added while it is processed, only after done(), so it never runs twice at once', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    assert.equal(first, 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 'not handed to a second worker while the first holds it');
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await new Promise((r) => setImmediate(r));
    assert.equal(second, undefined);
    q.done('a');
    await new Promise((r) => setImmediate(r));
    assert.equal(second, 'a', 'the change made during processing is processed once more');
    q.done('a');
    assert.equal(q.length, 0);
  });

  it('hands a key to a waiting worker at once', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    assert.equal(await waiting, 'x');
  });

  it('backs a failing key off exponentially, up to the maximum, and forget() starts it again', () => {
    const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 100, retryBurst: 1000 });
    const delays = Array.from({ length: 6 }, () => q.addRateLimited('k'));
    assert.deepEqual(delays, [10, 20, 40, 80, 100, 100]);
    assert.equal(q.failures('k'), 6);
    q.forget('k');
    assert.equal(q.failures('k'), 0);
    assert.equal(q.addRateLimited('k'), 10);
    assert.equal(q.addRateLimited('other'), 10, 'backoff is per key');
    q.shutDown();
  });

  it('holds all retries together to the overall rate once the burst is spent', () => {
    let now = 0;
    const q = new WorkQueue({ baseDelayMs: 1, maxDelayMs: 1, retryQps: 10, retryBurst: 2, now: () => now });
    assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => q.addRateLimited(k)), [1, 1, 100, 200]);
    now += 1000; // ten tokens refilled, capped at the burst of two
    assert.deepEqual(['e', 'f', 'g'].map((k) => q.addRateLimited(k)), [1, 1, 100]);
    q.shutDown();
  });

  it('delivers a delayed key after its delay; an earlier delay for the same key wins', async () => {
    const q = new WorkQueue();
    const t0 = Date.now();
    q.addAfter('late', 200);
    q.addAfter('late', 30);
    q.addAfter('late', 500);
    assert.equal(await q.get(), 'late');
    const waited = Date.now() - t0;
    assert.ok(waited >= 25 && waited < 190, `waited ${waited} ms`);
    q.done('late');
    q.shutDown();
  });

  it('returns undefined to every waiting worker on shutdown and accepts nothing after', async () => {
    const q = new WorkQueue();
    const waiters = [q.get(), q.get()];
    q.shutDown();
    assert.deepEqual(await Promise.all(waiters), [undefined, undefined]);
    q.add('a');
    assert.equal(await q.get(), undefined);
  });
});
