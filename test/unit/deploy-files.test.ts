/**
 * The container and Kubernetes files, checked offline (no Docker engine or cluster here):
 * - Dockerfile: dockerfile-utils' validate() (the syntax and instruction checks VS Code's Docker support
 *   runs), then the image's own rules on dockerfile-ast's parse;
 * - .dockerignore: a whitelist that lets through what the Dockerfile copies and nothing that holds mail
 *   records or passwords (checked for the whitelist form this file uses, not every .dockerignore rule);
 * - deploy/*.yaml: parsed with `yaml`, each object validated by kubernetes-models against Kubernetes' own
 *   OpenAPI schema (ajv), then the sharding contract between the Job and the command line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DockerfileParser, type Copy, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseJob } from '../../src/main/engine/job/job.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const dockerfile = DockerfileParser.parse(text);
  const all = dockerfile.getInstructions();
  const froms = dockerfile.getFROMs();
  // The runtime image: everything after the last FROM.
  const lastFrom = froms.at(-1)!.getRange().start.line;
  const runtime = all.filter((i) => i.getRange().start.line >= lastFrom);
  const args = (i: Instruction) => i.getArgumentsContent() ?? '';
  const of = (list: Instruction[], keyword: string) => list.filter((i) => i.getKeyword() === keyword);
  /** A COPY's --from stage, if any (flags are not part of the arguments). */
  const stage = (i: Instruction) => (i as Copy).getFromFlag?.()?.getValue() ?? undefined;

  it('has no syntax or instruction problem', () => {
    expect(validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('builds from the official node:24-slim in every stage, and adds nothing from a URL', () => {
    expect(froms.length).toBeGreaterThan(0);
    for (const f of froms) expect([f.getImageName(), f.getImageTag()]).toEqual(['node', '24-slim']);
    for (const i of of(all, 'ADD')) expect(args(i)).not.toMatch(/https?:\/\/|git@/);
  });

  it('installs with npm ci only, no install scripts, and the runtime without dev dependencies', () => {
    const npm = of(all, 'RUN').map(args).filter((a) => /\bnpm\b/.test(a));
    expect(npm.some((a) => /\bnpm install\b|\bnpm i\b/.test(a))).toBe(false);
    for (const a of npm.filter((x) => /\bnpm ci\b/.test(x))) expect(a).toContain('--ignore-scripts');
    expect(of(runtime, 'RUN').map(args).some((a) => /\bnpm ci\b.*--omit=dev/.test(a))).toBe(true);
    expect(of(all, 'RUN').map(args)).toContain('node scripts/build.mjs cli');
  });

  it('runs the bundled CLI as an unprivileged user, with the state in a volume and no secret baked in', () => {
    const users = of(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(args(users.at(-1)!)).not.toMatch(/^(root|0)(:|$)/);
    const entry = of(runtime, 'ENTRYPOINT');
    expect(entry).toHaveLength(1);
    expect(users.at(-1)!.getRange().start.line).toBeLessThan(entry[0]!.getRange().start.line);
    expect(JSON.parse(args(entry[0]!))).toEqual(['node', '--max-semi-space-size=2', '--expose-gc', '/app/dist/cli.js']);
    const fromBuild = of(runtime, 'COPY').filter((i) => stage(i) === froms[0]!.getBuildStage()).map(args);
    expect(fromBuild).toContainEqual(expect.stringMatching(/^\S*\/dist\/cli\.js\b.* \.\/dist\/$/));
    expect(of(runtime, 'WORKDIR').map(args).at(-1)).toBe('/app');
    expect(of(runtime, 'VOLUME').map(args)).toContain('["/state"]');
    for (const i of [...of(all, 'ENV'), ...of(all, 'ARG')]) expect(args(i)).not.toMatch(/PASSWORD|SECRET|TOKEN/i);
  });

  it('copies only what exists and what .dockerignore lets through, and nothing private gets in', () => {
    const ignore = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const lets = (p: string) => allowed.some((a) => p === a || p.startsWith(`${a}/`));
    const sources = of(all, 'COPY').filter((i) => stage(i) === undefined).flatMap((i) => args(i).split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) {
      expect(fs.existsSync(path.join(ROOT, s)), s).toBe(true);
      expect(lets(s), `${s} is left out by .dockerignore`).toBe(true);
    }
    for (const secret of ['.mailferry', 'users.csv', 'job.json', 'test', '.git', 'node_modules']) expect(lets(secret), secret).toBe(false);
  });
});

describe('deploy/mailferry-job.yaml', () => {
  const docs = parseAllDocuments(read('deploy/mailferry-job.yaml'));
  const objects = docs.map((d) => d.toJS() as { kind: string; metadata: { name: string } } & Record<string, any>);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it('parses, and every object is valid against Kubernetes\' schema for its kind', () => {
    for (const d of docs) expect(d.errors).toEqual([]);
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Job', 'PersistentVolumeClaim']);
    const models = { Job, ConfigMap, PersistentVolumeClaim } as const;
    for (const o of objects) expect(() => new models[o.kind as keyof typeof models](o as never).validate(), o.kind).not.toThrow();
  });

  it('the schema check catches a wrong field type (the test can fail)', () => {
    const job = structuredClone(byKind('Job')[0]!);
    job.spec.completions = 'four';
    expect(() => new Job(job as never).validate()).toThrow(/completions must be integer/);
  });

  it('is an Indexed Job whose completion index is the shard, N the same everywhere', () => {
    const job = byKind('Job')[0]!;
    const spec = job.spec;
    const pod = spec.template.spec;
    const c = pod.containers[0];
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.parallelism).toBe(spec.completions);
    const n = spec.completions as number;
    const shard = c.args[c.args.indexOf('--shard') + 1];
    expect(shard).toBe(`auto/${n}`);
    expect(c.args[0]).toBe('migrate');
    expect(c.env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    // Each index keeps its ledger in its own folder of the claim, under the --state the command is given.
    const stateMount = c.volumeMounts.find((m: { name: string }) => m.name === 'state');
    expect(stateMount.subPathExpr).toBe(`shard-$(JOB_COMPLETION_INDEX)-of-${n}`);
    expect(c.args[c.args.indexOf('--state') + 1]).toMatch(new RegExp(`^${stateMount.mountPath}/`));
    expect(pod.restartPolicy).toBe('Never');
    expect(spec.podFailurePolicy.rules).toContainEqual(expect.objectContaining({ action: 'FailIndex', onExitCodes: expect.objectContaining({ values: [2] }) }));
  });

  it('runs unprivileged, reads passwords from a Secret into the environment, and refers only to its own objects', () => {
    const job = byKind('Job')[0]!;
    const pod = job.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).not.toBe(0);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(c.image).not.toContain('/'); // a placeholder for the user's own registry, naming none
    expect(c.envFrom).toEqual([{ secretRef: { name: 'mailferry-passwords' } }]);
    const volumes = Object.fromEntries(pod.volumes.map((v: { name: string }) => [v.name, v]));
    expect(volumes.state.persistentVolumeClaim.claimName).toBe(byKind('PersistentVolumeClaim')[0]!.metadata.name);
    expect(volumes.job.configMap.name).toBe(byKind('ConfigMap')[0]!.metadata.name);
    expect(c.volumeMounts.find((m: { name: string }) => m.name === 'job')).toMatchObject({ mountPath: '/config', readOnly: true });
  });

  it("holds a job file Mailferry accepts, whose passwords all come from environment variables", () => {
    const text = byKind('ConfigMap')[0]!.data['job.json'];
    const job = parseJob(JSON.parse(text), '/config');
    expect(job.mailboxes.length).toBeGreaterThan(1);
    for (const mb of job.mailboxes) for (const side of [mb.source, mb.destination]) expect(side.passwordEnv).toMatch(/^[A-Z_][A-Z0-9_]*$/);
  });
});
