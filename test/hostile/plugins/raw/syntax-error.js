/* A bundle that is not valid JavaScript: it must be refused at load, by file name, with the parser's reason. */
(() => {
  globalThis.__toolsetPlugin = { name: 'syntax-error', detect() { return null; };
})(;
