/**
 * Test helper: checks rendered objects against the Kubernetes OpenAPI schemas, two ways.
 * 1. kubernetes-models (dev dependency): JSON-schema validators generated from the official OpenAPI spec —
 *    types, required fields, formats (quantities, int32 …).
 * 2. @kubernetes/client-node's ObjectSerializer (generated from the same spec): a deserialize → serialize
 *    round trip drops every field the schema does not know, so any difference is an unknown (misspelt) field —
 *    the check the OpenAPI schemas alone do not make, because they allow additional properties.
 */
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { ConfigMap, Secret, Service, Namespace } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob, Job } from 'kubernetes-models/batch/v1';

type Validatable = { validate(): void };
const MODELS: Record<string, { model: new (data: never) => Validatable; type: string }> = {
  'v1/ConfigMap': { model: ConfigMap as never, type: 'V1ConfigMap' },
  'v1/Secret': { model: Secret as never, type: 'V1Secret' },
  'v1/Service': { model: Service as never, type: 'V1Service' },
  'v1/Namespace': { model: Namespace as never, type: 'V1Namespace' },
  'apps/v1/Deployment': { model: Deployment as never, type: 'V1Deployment' },
  'autoscaling/v2/HorizontalPodAutoscaler': { model: HorizontalPodAutoscaler as never, type: 'V2HorizontalPodAutoscaler' },
  'batch/v1/Job': { model: Job as never, type: 'V1Job' },
  'batch/v1/CronJob': { model: CronJob as never, type: 'V1CronJob' },
};

function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b)) return path || '/';
  if (a && typeof a === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
      const d = firstDifference(ao[k], bo[k], `${path}/${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return a === b ? undefined : path;
}

/** Problems with one object; empty when it validates. */
export function schemaErrors(obj: { apiVersion?: string; kind?: string }): string[] {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const m = MODELS[key];
  if (!m) return [`no schema known for ${key}`];
  const errors: string[] = [];
  try {
    new m.model(structuredClone(obj) as never).validate();
  } catch (e) {
    errors.push(`${key}: ${(e as Error).message}`);
  }
  const plain = JSON.parse(JSON.stringify(obj));
  const round = JSON.parse(JSON.stringify(ObjectSerializer.serialize(ObjectSerializer.deserialize(plain, m.type, ""), m.type, "")));
  const diff = firstDifference(plain, round);
  if (diff) errors.push(`${key}: field ${diff} is not in the ${m.type} schema`);
  return errors;
}
