import { Args, Flags } from '@oclif/core';
import { JoeyCommand } from '../cli/base.js';
import { argocdOptions, renderRepo, toYamlStream } from '../providers/kubernetes/index.js';

export default class Render extends JoeyCommand {
  static override description =
    'print the Kubernetes objects for the desired state (YAML, `---` separated) on stdout and nothing else; logs go to stderr. ' +
    "Works as an Argo CD Config Management Plugin `generate` command: honours ARGOCD_APP_NAME, ARGOCD_APP_NAMESPACE, ARGOCD_APP_REVISION and ARGOCD_ENV_JOEY_*";

  static override examples = [
    '<%= config.bin %> render examples',
    '<%= config.bin %> render . --env prod --namespace ml --image registry.example.com/joey:1.2.3',
  ];

  static override args = {
    root: Args.string({ description: 'repo root holding the manifests', default: '.' }),
  };

  static override flags = {
    env: Flags.string({ description: 'apply the environments/<env>/ overlay (Argo CD: ARGOCD_ENV_JOEY_ENV)' }),
    image: Flags.string({ description: 'engine and task image (default ghcr.io/joey-dev/joey:<version>)' }),
    namespace: Flags.string({ description: 'namespace set on every object (Argo CD: ARGOCD_APP_NAMESPACE)' }),
    instance: Flags.string({ description: 'app.kubernetes.io/instance and name prefix (Argo CD: ARGOCD_APP_NAME; default joey)' }),
    commit: Flags.string({ description: 'git commit recorded on every object (default: ARGOCD_APP_REVISION, else HEAD of ROOT)' }),
    'artifacts-claim': Flags.string({ description: 'PersistentVolumeClaim holding artifacts by sha256 (default joey-artifacts)' }),
    'artifacts-out': Flags.string({ description: 'also copy model/orchestration artifacts, named by sha256, into this directory' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Render);
    const fromArgo = argocdOptions(process.env);
    const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
    const opts = {
      ...fromArgo,
      ...defined({
        env: flags.env,
        image: flags.image,
        namespace: flags.namespace,
        instance: flags.instance,
        commit: flags.commit,
        artifactsClaim: flags['artifacts-claim'],
        artifactsOut: flags['artifacts-out'],
      }),
    };
    const result = await renderRepo(args.root, opts);
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    if (result.artifacts) {
      const n = result.artifacts.filter((a) => a.written).length;
      process.stderr.write(`artifacts: ${result.artifacts.length} in ${flags['artifacts-out']} (${n} written)\n`);
    }
    process.stderr.write(`rendered ${result.objects.length} object(s)${result.commit ? ` at ${result.commit.slice(0, 12)}` : ''}\n`);
    this.emit(flags.json, { apiVersion: 'v1', kind: 'List', items: result.objects }, () => toYamlStream(result.objects));
  }
}
