export { renderKubernetes, toYamlStream, compareObjects, type RenderOptions, type RenderResult } from './render.js';
export { type K8sObject, objectKey, LABELS, ANNOTATIONS, MANAGED_BY } from './types.js';
export { k8sName, labelValue, isDnsLabel } from './names.js';
export { renderRepo, argocdOptions, headCommit, type RenderRepoOptions } from './render-repo.js';
export { applyToKubernetes, diffKubernetes, unhealthyReason, FIELD_MANAGER, type ApplyOptions, type ApplyResult, type KubeDiff, type KubeOptions, type ObjectChange, type ObjectAction } from './apply.js';
export { compareObject, type FieldChange } from './diff.js';
export { kubeClient, type KubeTarget } from './client.js';
export { applyRepoToKubernetes, renderKubeDiffText, type ApplyRepoToKubernetesOptions, type ApplyRepoOutcome } from './apply-repo.js';
export { exportArtifacts, type ExportedArtifact } from './artifacts.js';
