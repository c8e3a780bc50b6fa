/* A valid script that never registers a detector (no globalThis.__toolsetPlugin). */
(() => {
  const detector = { name: 'no-manifest', version: '1.0.0', description: 'Hostile: registers nothing.', type: 'hostile', detect: () => null };
  globalThis.somethingElse = detector;
})();
