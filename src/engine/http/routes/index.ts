/** The route registry: each area's routes file, one line each. */
import type { Route } from '../types.js';
import { workspaceRoutes } from './workspaces.js';
import { modelRoutes } from './models.js';
import { pipelineRoutes } from './pipelines.js';
import { configRoutes } from './config.js';
import { taskRoutes } from './tasks.js';
import { inferRoutes } from './infer.js';
import { uiDataRoutes } from './ui-data.js';
import { assayRoutes } from './assays.js';

export const ROUTES: Route[] = [
  ...workspaceRoutes,
  ...modelRoutes,
  ...pipelineRoutes,
  ...configRoutes,
  ...taskRoutes,
  ...inferRoutes,
  ...uiDataRoutes,
  ...assayRoutes,
];
