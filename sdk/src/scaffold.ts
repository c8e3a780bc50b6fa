// `toolset-sdk init <dir>`: a detector project that builds and tests out of the box against this SDK.
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isDnsLabel } from './names.js';
import { sdkPackageDir } from './self.js';

export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

export { sdkPackageDir };

/** `acme-queue` → `AcmeQueue`, for identifiers in the generated source. */
function camelCase(label: string): string {
  return label.replace(/^[a-z]|-+([a-z0-9])/g, (m: string, c: string | undefined) => (c ?? m).toUpperCase());
}

function files(name: string, type: string, sdkDir: string): Record<string, string> {
  const camel = camelCase(type);
  return {
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        type: 'module',
        description: `dynamic-toolset detector plugin: ${name}`,
        scripts: {
          build: `toolset-sdk build src/index.js --out dist/${name}.js`,
          test: 'toolset-sdk test src/index.js --fixtures test/fixtures.yaml --expect test/expected.yaml',
        },
        devDependencies: { '@kubernaut/toolset-sdk': `file:${sdkDir.replace(/\/$/, '')}` },
      },
      null,
      2,
    )}\n`,
    'src/index.js': `// ${name}: a dynamic-toolset detector plugin. It runs in a sandbox: plain synchronous JavaScript only.
import { defineDetector, hasLabels, findPort, findPortByTarget, portRef, portScheme, yieldsToTwin } from '@kubernaut/toolset-sdk';

// Evidence first: the labels the ${type} chart puts on its Services.
const is${camel} = (service) => hasLabels(service, { 'app.kubernetes.io/name': '${type}' });
// The API port by name, else by number, else the port forwarding to the container's; never ports[0].
const apiPort = (service) => findPort(service, { names: ['http', 'api'], numbers: [8080] }) ?? findPortByTarget(service, [8080, 'http']);

export default defineDetector({
  name: '${name}',
  version: '0.1.0',
  description: 'Detects ${type} API servers',
  type: '${type}',
  detect(service, ctx) {
    if (!is${camel}(service)) return null;
    const port = apiPort(service);
    if (!port) return null;
    // One endpoint per install: a headless twin yields to the ${type} Service it mirrors (a lone headless one stays).
    if (yieldsToTwin(service, ctx, (other) => is${camel}(other) && apiPort(other) !== undefined)) return null;
    // ctx.config is this plugin's plugin.config from the daemon's detector config.
    const path = typeof ctx.config.apiPath === 'string' ? ctx.config.apiPath : undefined;
    return { port: portRef(port), scheme: portScheme(service, port), ...(path ? { path } : {}), health: { path: '/healthz' } };
  },
  toolsets(found) {
    // A HolmesGPT http toolset for the found service (optional: without toolsets() the daemon makes one).
    return {
      '${type}/api': {
        enabled: true,
        type: 'http',
        description: '${type} HTTP API (read-only)',
        config: { endpoints: [{ hosts: [\`\${found.host}:\${found.port}\`], paths: [\`\${found.path}/*\`], methods: ['GET'] }] },
      },
    };
  },
});
`,
    'test/fixtures.yaml': `# Services as \`kubectl get svc -o yaml\` shows them: one to find, its headless twin, and one to leave alone.
apiVersion: v1
kind: Service
metadata:
  name: prod-${type}
  namespace: team-a
  labels: {app.kubernetes.io/name: ${type}, app.kubernetes.io/instance: prod}
spec:
  type: ClusterIP
  clusterIP: 10.96.0.20
  selector: {app.kubernetes.io/name: ${type}, app.kubernetes.io/instance: prod}
  ports:
    - {name: metrics, port: 9102, protocol: TCP, targetPort: 9102}
    - {name: http, port: 8080, protocol: TCP, targetPort: http}
---
apiVersion: v1
kind: Service
metadata:
  name: prod-${type}-headless
  namespace: team-a
  labels: {app.kubernetes.io/name: ${type}, app.kubernetes.io/instance: prod}
spec:
  clusterIP: None
  selector: {app.kubernetes.io/name: ${type}, app.kubernetes.io/instance: prod}
  ports:
    - {name: http, port: 8080, protocol: TCP, targetPort: http}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: team-a
  labels: {app: web}
spec:
  clusterIP: 10.96.0.21
  selector: {app: web}
  ports:
    - {name: http, port: 8080, protocol: TCP, targetPort: 8080}
`,
    'test/expected.yaml': `# What the detector must answer for each fixture Service (checked by \`npm test\`, inside the daemon's sandbox).
- {namespace: team-a, name: prod-${type}, detected: true, endpoint: "http://prod-${type}.team-a.svc.cluster.local:8080"}
- {namespace: team-a, name: prod-${type}-headless, detected: false}
- {namespace: team-a, name: web, detected: false}
`,
    '.gitignore': 'node_modules/\ndist/\n',
    'README.md': `# ${name}

A detector plugin for [dynamic-toolset](https://github.com/kubernaut). It claims \`${type}\` Services and reports their API.

\`\`\`sh
npm install      # links @kubernaut/toolset-sdk from ${sdkDir}
npm test         # runs test/fixtures.yaml through the detector in the daemon's own sandbox
npm run build    # writes dist/${name}.js: one self-contained bundle with its manifest
\`\`\`

Deploy: copy \`dist/${name}.js\` into the daemon's plugins directory (\`--plugins-dir\`, \`/plugins\` in a pod: one key per
bundle in the \`dynamic-toolset-plugins\` ConfigMap). It is loaded without a restart. Check a bundle as the daemon would:
\`dynamic-toolset plugins validate dist/${name}.js\`.
`,
  };
}

export async function scaffold(dir: string, options: { name?: string; type?: string; sdkDir?: string } = {}): Promise<string[]> {
  const name = options.name ?? path.basename(path.resolve(dir));
  if (!isDnsLabel(name)) throw new ScaffoldError(`plugin name "${name}" must be a lower-case DNS label (a-z, 0-9, "-"); pass --name`);
  const type = options.type ?? name;
  if (!isDnsLabel(type)) throw new ScaffoldError(`type "${type}" must be a lower-case DNS label; pass --type`);
  if (existsSync(dir) && (await readdir(dir)).length > 0) throw new ScaffoldError(`${dir} exists and is not empty; nothing written`);
  const written: string[] = [];
  for (const [rel, content] of Object.entries(files(name, type, options.sdkDir ?? sdkPackageDir()))) {
    const target = path.join(dir, rel);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
    written.push(rel);
  }
  return written;
}
