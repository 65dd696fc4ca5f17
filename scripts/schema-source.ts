/**
 * The source of `schemas/*.schema.json`: one JSON Schema (draft 2020-12) per kind, built from shared
 * fragments so the rules (names, quantities, resources) are written once. `npx tsx scripts/gen-schemas.ts`
 * writes the files; a test fails if the committed files differ from what this produces.
 *
 * `x-message` is joey's annotation: the message a user sees when the schema node it sits on fails.
 */
import { QUANTITY_PATTERN } from '../src/model/quantity.js';
import { DURATION_PATTERN } from '../src/model/duration.js';
import { API_VERSION, KINDS, type Kind } from '../src/model/kinds.js';
import { schemaFileName } from '../src/manifest/schemas.js';

type Schema = Record<string, unknown>;

export const SCHEMA_BASE_URL = 'https://joey.dev/schemas/';
export { schemaFileName };

// ------------------------------------------------------------------ shared fragments
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const dnsName = (what: string): Schema => ({
  type: 'string',
  pattern: DNS_LABEL,
  maxLength: 63,
  description: `${what}.`,
  'x-message': `must be a DNS-1123 label: lowercase letters, digits and '-' only, at most 63 characters ('.' and '_' are not allowed)`,
});
const ref = (kind: string): Schema => ({
  ...dnsName(`The name of a ${kind} in the same workspace`),
  description: `The name of a ${kind} in the same workspace.`,
});
const quantity = (what: string): Schema => ({
  type: 'string',
  pattern: QUANTITY_PATTERN,
  description: `${what} as a Kubernetes quantity, e.g. \`512Mi\`, \`1Gi\`, \`2G\`. \`1Gi\` and \`1024Mi\` are the same value.`,
  'x-message': 'must be a Kubernetes quantity such as 512Mi, 1Gi or 2G',
});
const cpus = (what: string): Schema => ({
  type: 'number',
  exclusiveMinimum: 0,
  description: `${what}: fractional CPU cores, e.g. 0.25, 1, 1.5.`,
});
const gpus = (what: string): Schema => ({
  type: 'integer',
  minimum: 0,
  description: `${what}: whole GPUs only (1, 2, ...; 0.25 is not valid). Requires \`deploymentLabel\`.`,
  'x-message': 'must be a whole number of GPUs (1, 2, ...)',
});
const stringMap = (description: string): Schema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
});
const GPU_NEEDS_LABEL = 'gpus require deploymentLabel (the label of the GPU nodepool)';
const duration = (description: string): Schema => ({
  type: 'string',
  pattern: DURATION_PATTERN,
  description,
  'x-message': 'must be a duration such as 24h, 5m or 1h30m',
});
const timestamp = (description: string): Schema => ({
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$',
  description,
  'x-message': 'must be an ISO 8601 date or time, e.g. 2024-02-15T16:20:00Z',
});

function metadata(kind: Kind): Schema {
  const ws = kind !== 'Workspace';
  return {
    type: 'object',
    description: 'Identity and labels. The identity of an object is (kind, workspace, name).',
    additionalProperties: false,
    required: ws ? ['name', 'workspace'] : ['name'],
    properties: {
      name: dnsName(`The object's name, unique per kind and workspace`),
      ...(ws ? { workspace: dnsName('The Workspace this object lives in (a Workspace manifest must exist)') } : {}),
      labels: stringMap('Free-form labels (string values).'),
      annotations: stringMap('Free-form annotations (string values); not part of the spec hash.'),
      tags: {
        type: 'array',
        description: 'Platform tags (models and pipelines).',
        items: { type: 'string', minLength: 1 },
        uniqueItems: true,
      },
    },
  };
}

/** Resource fields shared by a DeploymentConfig and a pipeline's inline deployment. */
const deploymentConfigProperties: Record<string, Schema> = {
  replicas: { type: 'integer', minimum: 0, description: 'Fixed number of engine replicas (default 1 unless `autoscale` is set).' },
  autoscale: {
    type: 'object',
    description: 'Replica autoscaling instead of a fixed count.',
    additionalProperties: false,
    required: ['max'],
    properties: {
      min: { type: 'integer', minimum: 0, description: 'Minimum replicas (default 0).' },
      max: { type: 'integer', minimum: 1, description: 'Maximum replicas.' },
      cpuUtilization: { type: 'number', exclusiveMinimum: 0, maximum: 100, description: 'Target average CPU utilization, percent.' },
    },
  },
  cpus: cpus('CPUs per replica for native-runtime models'),
  memory: quantity('Memory per replica for native-runtime models'),
  gpus: gpus('GPUs per replica'),
  deploymentLabel: { type: 'string', minLength: 1, description: 'Nodepool label; required when any gpus are set and must match the GPU nodepool label.' },
  arch: { enum: ['x86', 'arm'], description: 'CPU architecture; models built for arm need an arm deployment.' },
  lb: {
    type: 'object',
    description: "Resources of the pipeline's load balancer.",
    additionalProperties: false,
    properties: { cpus: cpus('Load balancer CPUs'), memory: quantity('Load balancer memory') },
  },
  sidekicks: {
    type: 'object',
    description: 'Resources per containerized model, keyed by Model name (duplicated per replica).',
    propertyNames: { pattern: DNS_LABEL, 'x-message': 'sidekick keys are Model names (DNS-1123 labels)' },
    additionalProperties: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cpus: cpus('Sidekick CPUs'),
        memory: quantity('Sidekick memory'),
        gpus: gpus('Sidekick GPUs'),
        env: stringMap('Environment variables for the sidekick container.'),
      },
    },
  },
};

/** `gpus` (top-level or in any sidekick) requires `deploymentLabel`. */
const deploymentConfigRules: Schema[] = [
  {
    if: { properties: { sidekicks: { additionalProperties: { not: { required: ['gpus'] } } } } },
    else: { required: ['deploymentLabel'], 'x-message': `sidekick ${GPU_NEEDS_LABEL}` },
  },
  { not: { type: 'object', required: ['replicas', 'autoscale'] }, 'x-message': 'set either replicas or autoscale, not both' },
];

function deploymentConfigSpec(description: string): Schema {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    properties: deploymentConfigProperties,
    dependentRequired: { gpus: ['deploymentLabel'] },
    allOf: deploymentConfigRules,
  };
}

// ------------------------------------------------------------------ per-kind specs
const specs: Record<Kind, Schema> = {
  Workspace: {
    type: 'object',
    description: 'A workspace: the unit of ownership. Every other object lives in one.',
    additionalProperties: false,
    properties: {
      members: {
        type: 'array',
        description: 'Users with access to the workspace (default none).',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['user', 'role'],
          properties: {
            user: { type: 'string', minLength: 1, description: 'User name or e-mail.' },
            role: { enum: ['owner', 'collaborator'], description: 'owner | collaborator.' },
          },
        },
      },
      prune: { type: 'boolean', description: 'Delete objects joey created that are gone from the manifests (default false).' },
    },
  },
  Connection: {
    type: 'object',
    description: 'A data connection. Secret values are only given by reference, never inline.',
    additionalProperties: false,
    required: ['type'],
    properties: {
      type: { type: 'string', minLength: 1, description: 'Connection type, e.g. `HTTP`, `ODBC`, `S3`.' },
      details: {
        type: 'object',
        description: 'Connection details. A value is a plain string, or a secret reference `env:NAME` or `file:PATH` that is resolved at apply time and never printed.',
        additionalProperties: { type: 'string' },
      },
    },
  },
  Model: {
    type: 'object',
    description: "A model version: an artifact file whose sha256 is the version's identity.",
    additionalProperties: false,
    required: ['framework', 'path'],
    properties: {
      framework: {
        enum: ['onnx', 'tensorflow', 'python', 'keras', 'sklearn', 'pytorch', 'xgboost', 'hugging-face', 'custom', 'mlflow'],
        description: 'Model framework. `onnx` runs in the native runtime; others are rendered for containerized runtimes.',
      },
      path: { type: 'string', minLength: 1, description: 'Artifact path, relative to the manifest file. Must exist.' },
      sha256: {
        type: 'string',
        pattern: '^[a-f0-9]{64}$',
        description: "Optional pin: the artifact's expected sha256 (hex). The loader computes it and reports a mismatch.",
        'x-message': 'must be 64 lowercase hex digits',
      },
      tensorFields: {
        type: 'array',
        description: "Input data columns mapped to the model's inputs, in order.",
        items: { type: 'string', minLength: 1 },
        minItems: 1,
      },
      batchConfig: { enum: ['single'], description: '`single`: one row per call; absent: batches.' },
      inputSchema: stringMap('Arrow type per input field (for frameworks that need one), e.g. `tensor: list<float32>`.'),
      outputSchema: stringMap('Arrow type per output field.'),
    },
  },
  DeploymentConfig: deploymentConfigSpec('Resources of a pipeline deployment; referenced by name from pipelines.'),
  Pipeline: {
    type: 'object',
    description: 'An ordered list of model steps, optional validations, and how it is deployed.',
    additionalProperties: false,
    required: ['steps'],
    properties: {
      steps: {
        type: 'array',
        minItems: 1,
        description: 'Steps run in order; each is exactly one of `model`, `abTest` or `shadow`.',
        items: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          maxProperties: 1,
          'x-message': 'a step has exactly one of: model, abTest, shadow',
          properties: {
            model: ref('Model'),
            abTest: {
              type: 'object',
              description: 'A/B test: requests are split between the champion and the challengers by weight.',
              additionalProperties: false,
              required: ['champion', 'challengers'],
              properties: {
                champion: ref('Model'),
                championWeight: { type: 'number', exclusiveMinimum: 0, description: "Champion's share weight (default 1)." },
                challengers: {
                  type: 'array',
                  minItems: 1,
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['model', 'weight'],
                    properties: { model: ref('Model'), weight: { type: 'number', exclusiveMinimum: 0 } },
                  },
                },
                hashKey: { type: 'string', minLength: 1, description: 'Input field whose hash picks the model (sticky split); random when absent.' },
              },
            },
            shadow: {
              type: 'object',
              description: 'Shadow deploy: the champion answers; challengers run on the same input and their outputs are logged.',
              additionalProperties: false,
              required: ['champion', 'challengers'],
              properties: {
                champion: ref('Model'),
                challengers: { type: 'array', minItems: 1, items: ref('Model'), uniqueItems: true },
              },
            },
          },
        },
      },
      validations: {
        type: 'object',
        description:
          'Validation name → polars expression (`pl.col("out.dense_1").list.get(0) > 0.9`). True = anomaly. Names follow Python identifier rules; `count` is reserved.',
        propertyNames: {
          allOf: [
            { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', 'x-message': 'validation names must be Python identifiers (letters, digits, _)' },
            { not: { const: 'count' }, 'x-message': 'count is a reserved name (anomaly.count)' },
          ],
        },
        additionalProperties: { type: 'string', minLength: 1 },
      },
      deployment: {
        type: ['string', 'boolean', 'object'],
        description: 'A DeploymentConfig name, inline DeploymentConfig fields, or `false` (not deployed; the default).',
        'x-message': 'must be a DeploymentConfig name, an inline deployment config, or false',
        pattern: DNS_LABEL,
        not: { const: true },
        additionalProperties: false,
        properties: deploymentConfigProperties,
        dependentRequired: { gpus: ['deploymentLabel'] },
        allOf: deploymentConfigRules,
      },
    },
  },
  Orchestration: {
    type: 'object',
    description: 'Python code run by tasks: a folder (or .zip) with `main.py` and an optional `requirements.txt`.',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        description: 'Folder or `.zip`, relative to the manifest. Folders are zipped deterministically; the zip sha256 is the identity.',
      },
      sha256: {
        type: 'string',
        pattern: '^[a-f0-9]{64}$',
        description: "Optional pin of the zip's sha256.",
        'x-message': 'must be 64 lowercase hex digits',
      },
    },
  },
  Task: {
    type: 'object',
    description: 'Runs an orchestration once, on a schedule, or continuously.',
    additionalProperties: false,
    required: ['orchestration', 'run'],
    properties: {
      orchestration: ref('Orchestration'),
      run: { enum: ['once', 'scheduled', 'continuous'], description: 'once | scheduled (needs `schedule`) | continuous (a service).' },
      schedule: {
        type: 'string',
        pattern: '^\\s*[^\\s]+(\\s+[^\\s]+){4}\\s*$',
        description: 'Standard 5-field cron: minute hour day-of-month month day-of-week, e.g. `0 1 * * *`. Required iff run is scheduled.',
        'x-message': 'must be a 5-field cron expression (minute hour day-of-month month day-of-week)',
      },
      timezone: { type: 'string', minLength: 1, description: 'IANA time zone for the schedule (default UTC).' },
      timeout: { type: 'integer', minimum: 1, description: 'Seconds before a run is killed.' },
      args: { type: 'object', description: 'JSON object handed to the task code (`task_args()`; env `JOEY_TASK_ARGS`).' },
    },
    allOf: [
      {
        if: { required: ['run'], properties: { run: { const: 'scheduled' } } },
        then: { required: ['schedule'], 'x-at': 'run', 'x-message': 'schedule is required when run is scheduled' },
        else: { properties: { schedule: { not: {}, 'x-message': 'schedule is only allowed when run is scheduled' } } },
      },
    ],
  },
  Assay: {
    type: 'object',
    description: "Drift detection on one pipeline value: windows of inference logs compared to a baseline.",
    additionalProperties: false,
    required: ['pipeline', 'iopath', 'baseline'],
    properties: {
      pipeline: ref('Pipeline'),
      iopath: {
        type: 'string',
        pattern: '^(input|output) [^\\s]+( [0-9]+)?$',
        description: '`input|output <field> <index>`, e.g. `output dense_1 0`.',
        'x-message': 'must look like "output dense_1 0" (input|output, field, index)',
      },
      baseline: {
        type: 'object',
        description: 'Exactly one source: a time range of the pipeline logs (`start`+`end`), inline `values`, or a `file` of numbers.',
        additionalProperties: false,
        properties: {
          start: timestamp('Baseline start time.'),
          end: timestamp('Baseline end time.'),
          values: { type: 'array', minItems: 1, items: { type: 'number' }, description: 'Baseline values.' },
          file: { type: 'string', minLength: 1, description: 'JSON array (or newline-separated numbers), relative to the manifest.' },
        },
        oneOf: [{ required: ['start', 'end'] }, { required: ['values'] }, { required: ['file'] }],
        'x-message': 'must have exactly one baseline source: start+end, values, or file',
      },
      window: {
        type: 'object',
        description: 'Analysis windows: each `interval`, look at the last `width` of data.',
        additionalProperties: false,
        properties: {
          width: duration('Window width (default 24h).'),
          interval: duration('How often a window is evaluated (default: the width).'),
          start: timestamp('First window start (default: when the assay is created).'),
        },
      },
      binning: {
        type: 'object',
        description: 'How values are binned (plus a left and right outlier bin).',
        additionalProperties: false,
        properties: {
          mode: { enum: ['quantile', 'equal', 'provided'], description: 'quantile (default) | equal | provided (needs `edges`).' },
          bins: { type: 'integer', minimum: 1, maximum: 1000, description: 'Number of bins (default 5).' },
          edges: { type: 'array', items: { type: 'number' }, minItems: 1, description: 'Upper edge of each bin, optionally preceded by the lowest edge (mode provided).' },
          weights: { type: 'array', items: { type: 'number', minimum: 0 }, description: 'Per-bin weights.' },
        },
        if: { required: ['mode'], properties: { mode: { const: 'provided' } } },
        then: { required: ['edges'], 'x-at': 'mode', 'x-message': 'binning mode provided needs edges' },
      },
      aggregation: { enum: ['density', 'cumulative'], description: 'density (default) | cumulative.' },
      metric: { enum: ['psi', 'maxdiff', 'sumdiff'], description: 'psi (default) | maxdiff | sumdiff.' },
      thresholds: {
        type: 'object',
        description: 'Score thresholds (default alert 0.1).',
        additionalProperties: false,
        properties: {
          warning: { type: 'number', minimum: 0 },
          alert: { type: 'number', minimum: 0 },
        },
      },
      active: { type: 'boolean', description: 'Whether the assay runs (default true).' },
    },
  },
};

export function schemaFor(kind: Kind): Schema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${SCHEMA_BASE_URL}${schemaFileName(kind)}`,
    title: `joey ${kind}`,
    description: (specs[kind].description as string) ?? kind,
    type: 'object',
    additionalProperties: false,
    // A Workspace's spec is all defaults, so it may be left out.
    required: kind === 'Workspace' ? ['apiVersion', 'kind', 'metadata'] : ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { const: API_VERSION, description: `Always \`${API_VERSION}\`.` },
      kind: { const: kind },
      metadata: metadata(kind),
      spec: specs[kind],
    },
  };
}

export const ALL_SCHEMAS = KINDS.map((kind) => ({ kind, file: schemaFileName(kind), schema: schemaFor(kind) }));
