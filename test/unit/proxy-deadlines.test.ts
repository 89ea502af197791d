// Route timeouts share one list and one Node timer per duration
// (proxy/http/deadlines.ts): each armed entry fires once, never early, in
// order; a removed entry never fires; the timer re-arms for what is left.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineList, deadlineList, type DeadlineEntry } from '../../proxy/http/deadlines.ts';

function entry(name: string, fired: { name: string; at: number }[]): DeadlineEntry {
  return {
    deadlineAt: 0,
    deadlinePrev: null,
    deadlineNext: null,
    deadlineList: null,
    onDeadline() {
      fired.push({ name, at: performance.now() });
    },
  };
}

test('deadlines: entries fire once each, in order, not before their time; removed ones never', async () => {
  const fired: { name: string; at: number }[] = [];
  const list = new DeadlineList(40);
  const t0 = performance.now();
  const a = entry('a', fired);
  const b = entry('b', fired);
  const c = entry('c', fired);
  list.add(a);
  await sleep(15);
  list.add(b);
  const tb = performance.now();
  list.add(c);
  list.remove(c);
  assert.equal(c.deadlineList, null);
  await sleep(120);
  assert.deepEqual(fired.map((f) => f.name), ['a', 'b']);
  assert.ok((fired[0]?.at ?? 0) - t0 >= 40, `a fired after ${(fired[0]?.at ?? 0) - t0} ms`);
  assert.ok((fired[1]?.at ?? 0) - tb >= 39, `b fired after ${(fired[1]?.at ?? 0) - tb} ms`);
  assert.ok(list.empty);
});

test('deadlines: removing the head leaves the timer to re-arm for the next entry', async () => {
  const fired: { name: string; at: number }[] = [];
  const list = new DeadlineList(30);
  const a = entry('a', fired);
  const b = entry('b', fired);
  list.add(a);
  await sleep(20);
  list.add(b);
  const tb = performance.now();
  list.remove(a); // the timer armed for a fires, finds b not yet due, and waits for it
  await sleep(80);
  assert.deepEqual(fired.map((f) => f.name), ['b']);
  assert.ok((fired[0]?.at ?? 0) - tb >= 29);
});

test('deadlines: re-adding an entry moves it to the back with a new deadline', async () => {
  const fired: { name: string; at: number }[] = [];
  const list = new DeadlineList(30);
  const a = entry('a', fired);
  const b = entry('b', fired);
  list.add(a);
  list.add(b);
  await sleep(10);
  list.add(a);
  await sleep(70);
  assert.deepEqual(fired.map((f) => f.name), ['b', 'a']);
});

test('deadlines: one list per duration, dropped once it has fired empty', async () => {
  const l = deadlineList(25);
  assert.equal(deadlineList(25), l);
  assert.notEqual(deadlineList(26), l);
  const fired: { name: string; at: number }[] = [];
  l.add(entry('x', fired));
  await sleep(60);
  assert.equal(fired.length, 1);
  assert.notEqual(deadlineList(25), l, 'a list that fired empty is forgotten, so old durations do not pile up');
});
