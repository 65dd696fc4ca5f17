export { renderKubernetes, toYamlStream, compareObjects, type RenderOptions, type RenderResult } from './render.js';
export { type K8sObject, objectKey, LABELS, ANNOTATIONS, MANAGED_BY } from './types.js';
export { k8sName, labelValue, isDnsLabel } from './names.js';
export { renderRepo, argocdOptions, headCommit, type RenderRepoOptions } from './render-repo.js';
