// make kube-up / make kube-down: a real API server left running for manual
// use (kubectl --kubeconfig .cache/kube/kubeconfig ...) and for test runs.
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { REPO_ROOT, startCluster, stopRecorded } from './cluster.ts';

const dir = join(REPO_ROOT, '.cache', 'kube');
const cmd = process.argv[2];
if (cmd === 'up') {
  await stopRecorded(dir);
  rmSync(dir, { recursive: true, force: true });
  const c = await startCluster({ dir, detached: true });
  console.log(`kube-apiserver ${c.server} (etcd and apiserver logs in ${dir})`);
  console.log(`export KUBECONFIG=${c.kubeconfig}`);
  process.exit(0);
} else if (cmd === 'down') {
  console.log((await stopRecorded(dir)) ? 'stopped' : 'no cluster running');
} else {
  console.error('usage: main.ts up|down');
  process.exit(2);
}
