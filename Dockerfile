# The joey image: the CLI, the engine (`joey server`), the controllers (`joey controller`), the Argo CD plugin
# (`joey render`, run by argocd-cmp-server in the repo-server sidecar) and the task runner (python3).
#   docker build -t ghcr.io/joey-dev/joey:0.1.0 .

# ---- build: compile TypeScript with the dev dependencies
FROM node:20-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY controllers ./controllers
RUN npx tsc -p tsconfig.build.json

# ---- runtime: production dependencies only
FROM node:20-slim
# python3 runs orchestration tasks (main.py), with venv for their requirements.txt; git for `joey controller`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production ONNXRUNTIME_NODE_INSTALL=skip PYTHONPATH=/app/python JOEY_HOME=/var/lib/joey/state HOME=/var/lib/joey
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: `prepare` would run tsc (not installed here); onnxruntime-node's CPU binaries ship in the package.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY schemas ./schemas
COPY deploy ./deploy
# joey_task and the wallaroo shim that task code imports (PYTHONPATH above; the renderer sets it for task pods too).
COPY src/engine/tasks/python ./python
RUN ln -s /app/bin/run.js /usr/local/bin/joey \
 && mkdir -p /var/lib/joey/state /var/lib/joey/artifacts \
 && chown -R 999:999 /var/lib/joey
# uid 999: what Argo CD's CMP sidecars run as; fine for the engine and tasks too.
USER 999
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "joey"]
CMD ["--help"]
