// The ConfigMap contract against the in-repo API emulator (always runs).
import test from 'ava';
import { KubeConfig } from '@kubernetes/client-node';
import { startEmulator } from '../../core/src/emulator/index.js';
import { configMapContract } from './contract.js';

configMapContract(test, 'emulator', async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  return kc;
});
