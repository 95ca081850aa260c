// The Dockerfile and the Kubernetes manifests were written on paper (no docker, no cluster here): this reads
// them as text and YAML and checks them against the code (settings, timings, the start command) and against
// each other, so that a change on one side that the other does not follow fails here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadAll } from 'js-yaml';
import { loadConfig, SETTINGS, type Config } from '../../shared/config.js';
import { stopBoundMs } from '../../shared/timings.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

// One instruction of the Dockerfile: continuation lines joined, comments dropped.
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

function dockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    const match = /^(\S+)\s+(.*)$/s.exec(whole);
    if (match?.[1] && match[2] !== undefined) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim() });
  }
  return instructions;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: number | string };
  failureThreshold?: number;
}
interface Container {
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { limits?: { memory?: string } };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean; fsGroup?: number };
  containers: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
}
interface ClaimSpec {
  accessModes: string[];
  resources: { requests: { storage: string } };
}
interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: unknown;
  stringData?: Record<string, string>;
}
interface StatefulSetSpec {
  replicas: number;
  serviceName: string;
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  volumeClaimTemplates: { metadata: { name: string }; spec: ClaimSpec }[];
}
interface ServiceSpec {
  clusterIP?: string;
  selector: Record<string, string>;
  ports: { port: number; targetPort: number | string }[];
}

const K8S_DIR = 'docs/k8s';
const manifests: Manifest[] = readdirSync(path.join(ROOT, K8S_DIR))
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) => loadAll(read(path.join(K8S_DIR, file))) as Manifest[]);

function only(kind: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  expect(found, `one ${kind} in ${K8S_DIR}`).to.have.length(1);
  return found[0] as Manifest;
}

const statefulSet = only('StatefulSet');
const sts = statefulSet.spec as StatefulSetSpec;
const pod = sts.template.spec;
const container = pod.containers[0] as Container;
const service = only('Service');
const secret = only('Secret');
const maintenance = only('Pod');
const maintenancePod = maintenance.spec as PodSpec;
const maintenanceContainer = maintenancePod.containers[0] as Container;
const volume = only('PersistentVolumeClaim');

const instructions = dockerfile(read('Dockerfile'));
const lastFrom = instructions.map((instruction) => instruction.keyword).lastIndexOf('FROM');
const runtime = instructions.slice(lastFrom);
const build = instructions.slice(0, lastFrom);
const all = (list: readonly Instruction[], keyword: string): string[] => list.filter((i) => i.keyword === keyword).map((i) => i.args);
const one = (list: readonly Instruction[], keyword: string): string => {
  const found = all(list, keyword);
  expect(found, `one ${keyword} in the image's stage`).to.have.length(1);
  return found[0] as string;
};

// The image's ENV, NAME=value pairs.
const imageEnv: Record<string, string> = Object.fromEntries(
  all(runtime, 'ENV').flatMap((args) =>
    args.split(/\s+/).map((pair) => {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(pair);
      expect(match, `ENV ${pair} is NAME=value`).not.to.equal(null);
      return [match?.[1] ?? pair, match?.[2] ?? ''] as const;
    }),
  ),
);

// A container's environment as the service sees it; a Secret's value is read from the example Secret.
function envOf(target: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of target.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    const value = ref ? (ref.name === secret.metadata.name ? secret.stringData?.[ref.key] : undefined) : variable.value;
    expect(value, `${variable.name}: a value, or a key of the Secret ${secret.metadata.name}`).to.be.a('string');
    env[variable.name] = value as string;
  }
  return env;
}

// What the service would run with, validated by shared/config.ts as at start-up.
const configOf = (env: Record<string, string>): Config => loadConfig({ ...imageEnv, ...env }, '/app');

function containerPort(target: Container, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? port : target.ports?.find((p) => p.name === port)?.containerPort;
}

function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  expect(match, `${quantity} in Mi or Gi`).not.to.equal(null);
  return Number(match?.[1]) * (match?.[2] === 'Gi' ? 1024 : 1);
}

describe('Dockerfile', function () {
  const packageJson = JSON.parse(read('package.json')) as { engines: { node: string }; scripts: { start: string } };

  it('builds and runs on Debian bookworm with the node major of package.json engines', function () {
    const engineMajor = /(\d+)\./.exec(packageJson.engines.node)?.[1];
    const froms = all(instructions, 'FROM');
    expect(froms).to.have.length.of.at.least(1);
    for (const from of froms) expect(/^node:(\d+)-bookworm-slim(\s+AS\s+\w+)?$/i.exec(from)?.[1], from).to.equal(engineMajor);
  });

  it('starts the supervisor as npm start does, under tini as PID 1 without -g', function () {
    const entrypoint = JSON.parse(one(runtime, 'ENTRYPOINT')) as string[];
    expect(path.basename(entrypoint[0] ?? '')).to.equal('tini');
    expect(entrypoint).not.to.include('-g');
    expect(entrypoint.at(-1)).to.equal('--');
    expect(JSON.parse(one(runtime, 'CMD'))).to.deep.equal(packageJson.scripts.start.split(' '));
  });

  it('runs as uid 1000, the user the manifests run as', function () {
    expect(one(runtime, 'USER')).to.match(/^1000(:1000)?$/);
    for (const spec of [pod, maintenancePod]) {
      expect(spec.securityContext).to.include({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, fsGroup: 1000 });
    }
  });

  it('health-checks /health on the port it exposes, with node and no curl', function () {
    const healthcheck = one(runtime, 'HEALTHCHECK');
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3)) as string[];
    expect(command[0]).to.equal('node');
    expect(command.join(' ')).to.contain('fetch(').and.contain('/health').and.contain('process.env.PORT');
    expect(one(runtime, 'EXPOSE')).to.equal(imageEnv.PORT);
  });

  it('sets only settings of shared/config.ts, with values its validation accepts', function () {
    expect(Object.keys(imageEnv)).to.include.members(['HOST', 'PORT', 'SESSIONS_DIR']);
    for (const name of Object.keys(imageEnv)) expect(SETTINGS, name).to.have.property(name);
    expect(configOf({ CLIENTE_ID: '51' })).to.include({ host: '0.0.0.0', port: 3001 });
  });

  it('keeps the sessions under its VOLUME', function () {
    expect(one(runtime, 'VOLUME')).to.equal(path.posix.dirname(imageEnv.SESSIONS_DIR ?? ''));
  });

  it('installs the browser CHROME_PATH names, and tini', function () {
    const packages: Record<string, string> = {
      '/usr/lib/chromium/chromium-headless-shell': 'chromium-headless-shell',
      '/usr/bin/chromium': 'chromium',
    };
    const wanted = packages[imageEnv.CHROME_PATH ?? ''];
    expect(wanted, `CHROME_PATH=${imageEnv.CHROME_PATH} is a Debian package's browser`).to.be.a('string');
    const installed = all(runtime, 'RUN').filter((run) => run.includes('apt-get install')).join(' ').split(/\s+/);
    expect(installed).to.include.members([wanted as string, 'tini']);
  });

  it('compiles every source folder of tsconfig.json and ships the folder of the command', function () {
    const tsconfig = JSON.parse(read('tsconfig.json')) as { include: string[] };
    const copied = all(build, 'COPY').map((args) => args.split(/\s+/)[0]);
    for (const folder of new Set(tsconfig.include.map((glob) => glob.split('/')[0]))) expect(copied, folder).to.include(folder);
    const script = packageJson.scripts.start.split(' ')[1] ?? '';
    const shipped = all(runtime, 'COPY').filter((args) => args.startsWith('--from=build')).map((args) => args.split(/\s+/)[1]);
    expect(shipped).to.include(`/app/${path.posix.dirname(script)}`);
  });

  it('leaves node_modules, dist, sessions and .git out of the build context', function () {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    expect(ignored).to.include.members(['node_modules', 'dist', 'sessions', '.git', 'tenants.json']);
  });
});

describe('docs/k8s', function () {
  let config: Config;

  before(function () {
    config = configOf(envOf(container));
  });

  it('runs one pod per tenant, on a volume only one pod may use', function () {
    expect(sts.replicas).to.equal(1);
    const [claim] = sts.volumeClaimTemplates;
    expect(claim?.spec.accessModes).to.deep.equal(['ReadWriteOncePod']);
    expect((volume.spec as ClaimSpec).accessModes).to.deep.equal(['ReadWriteOncePod']);
  });

  it("gives a stop more time than the service's stop bound, from shared/timings.ts", function () {
    expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).to.be.above(stopBoundMs(config.shutdownGraceMs));
  });

  it('probes /health on the container port, and readiness does not wait for READY', function () {
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe?.httpGet?.path).to.equal('/health');
      expect(containerPort(container, probe?.httpGet?.port)).to.equal(config.port);
    }
    expect(container.livenessProbe?.failureThreshold).to.be.at.least(3);
  });

  it('listens on all addresses of the pod, on the container port, which is PORT and the image port', function () {
    // The kubelet's probes and the hub come from outside the pod: 127.0.0.1 (the default) would refuse them.
    expect(config.host).to.equal('0.0.0.0');
    expect(container.ports?.map((p) => p.containerPort)).to.deep.equal([config.port]);
    expect(String(config.port)).to.equal(imageEnv.PORT);
  });

  it('mounts the volume at the parent of SESSIONS_DIR, as the image does', function () {
    for (const target of [container, maintenanceContainer]) {
      const mount = target.volumeMounts?.find((m) => m.name === 'data');
      expect(mount?.mountPath).to.equal(path.posix.dirname(configOf(envOf(target)).sessionsDir));
      expect(mount?.mountPath).to.equal(one(runtime, 'VOLUME'));
    }
  });

  it('sets only settings of shared/config.ts, with values its validation accepts', function () {
    for (const target of [container, maintenanceContainer]) {
      for (const variable of target.env ?? []) expect(SETTINGS, variable.name).to.have.property(variable.name);
      expect(configOf(envOf(target)).clienteId).to.equal(config.clienteId);
    }
    expect(config.apiToken, 'API_TOKEN from the Secret').to.be.a('string');
  });

  it("recycles the browser (MEMORY_LIMIT_MB) well before the container's memory limit", function () {
    const limit = mebibytes(container.resources?.limits?.memory ?? '0Mi');
    expect(config.memoryLimitMb).to.be.above(0).and.at.most(limit - 256);
  });

  it("is reached through a headless Service named as the StatefulSet's serviceName", function () {
    const spec = service.spec as ServiceSpec;
    expect(spec.clusterIP).to.equal('None');
    expect(service.metadata.name).to.equal(sts.serviceName);
    expect(sts.template.metadata.labels).to.include(spec.selector);
    expect(spec.ports.map((p) => [p.port, containerPort(container, p.targetPort)])).to.deep.equal([[config.port, config.port]]);
  });

  it("lets the maintenance pod and volume.yaml use the StatefulSet's volume of the same tenant", function () {
    const [claim] = sts.volumeClaimTemplates;
    const claimName = `${claim?.metadata.name}-${statefulSet.metadata.name}-0`;
    expect(maintenancePod.volumes?.map((v) => v.persistentVolumeClaim?.claimName)).to.deep.equal([claimName]);
    expect(volume.metadata.name).to.equal(claimName);
    expect(volume.spec).to.deep.equal(claim?.spec);
    expect(envOf(maintenanceContainer).CLIENTE_ID).to.equal(String(config.clienteId));
  });
});

describe('docs/deploy.md', function () {
  const text = read('docs/deploy.md');
  const grace = pod.terminationGracePeriodSeconds;

  it("states the manifest's grace period and the stop bound of shared/timings.ts", function () {
    const stated = [...text.matchAll(/terminationGracePeriodSeconds: (\d+)|docker stop -t (\d+)|--stop-timeout (\d+)/g)]
      .map((match) => Number(match[1] ?? match[2] ?? match[3]));
    const inDockerfile = [...read('Dockerfile').matchAll(/--stop-timeout (\d+)/g)].map((match) => Number(match[1]));
    expect(stated).to.have.length.of.at.least(3);
    expect(new Set([...stated, ...inDockerfile])).to.deep.equal(new Set([grace]));
    expect(text).to.contain(`**${stopBoundMs(SETTINGS.SHUTDOWN_GRACE_MS.default) / 1000} s**`);
  });

  it("names the tenant's address as the headless Service gives it", function () {
    expect(text).to.contain(`${statefulSet.metadata.name}-0.${service.metadata.name}.`);
    expect(text).to.contain(`.svc:${container.ports?.[0]?.containerPort}`);
  });
});
