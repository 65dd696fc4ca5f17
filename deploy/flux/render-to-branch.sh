#!/usr/bin/env bash
# CI step: render the manifests at HEAD and commit the objects to a branch that Flux (or plain `kubectl apply`)
# watches. Only commits when the render changed, so Flux sees one revision per real change.
#
#   deploy/flux/render-to-branch.sh [ROOT]
#
# Environment: JOEY_ENV (overlay, e.g. prod), RENDER_BRANCH (default joey-rendered/$JOEY_ENV or joey-rendered),
# JOEY_IMAGE, JOEY_NAMESPACE, JOEY_INSTANCE (passed to `joey render`), REMOTE (default origin; `none` = local branch
# only), JOEY (the joey command, default `joey`), GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL for the commit.
set -euo pipefail

root=$(cd "${1:-.}" && pwd)
remote=${REMOTE:-origin}
branch=${RENDER_BRANCH:-joey-rendered${JOEY_ENV:+/$JOEY_ENV}}
joey=${JOEY:-joey}
commit=$(git -C "$root" rev-parse HEAD)
top=$(git -C "$root" rev-parse --show-toplevel)

args=(render "$root" --commit "$commit")
[[ -n "${JOEY_ENV:-}" ]] && args+=(--env "$JOEY_ENV")
[[ -n "${JOEY_IMAGE:-}" ]] && args+=(--image "$JOEY_IMAGE")
[[ -n "${JOEY_NAMESPACE:-}" ]] && args+=(--namespace "$JOEY_NAMESPACE")
[[ -n "${JOEY_INSTANCE:-}" ]] && args+=(--instance "$JOEY_INSTANCE")

out=$(mktemp -d)
work=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$work" >/dev/null 2>&1 || true; rm -rf "$out" "$work"' EXIT

# shellcheck disable=SC2086
$joey "${args[@]}" >"$out/joey.yaml"

# A worktree on the rendered branch (created as an orphan branch the first time).
if [[ "$remote" != none ]] && git -C "$top" ls-remote --exit-code --heads "$remote" "$branch" >/dev/null 2>&1; then
  git -C "$top" fetch --quiet "$remote" "$branch"
  git -C "$top" worktree add --quiet --force -B "$branch" "$work" FETCH_HEAD
elif git -C "$top" show-ref --verify --quiet "refs/heads/$branch"; then
  git -C "$top" worktree add --quiet --force "$work" "$branch"
else
  git -C "$top" worktree add --quiet --force --detach "$work"
  git -C "$work" checkout --quiet --orphan "$branch"
  git -C "$work" rm -rf --quiet . >/dev/null 2>&1 || true
fi

# The branch holds exactly the render: a kustomization listing one file, so `kubectl apply -k` works too.
find "$work" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
cp "$out/joey.yaml" "$work/joey.yaml"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - joey.yaml\n' >"$work/kustomization.yaml"
git -C "$work" add -A
if git -C "$work" diff --cached --quiet 2>/dev/null && git -C "$work" rev-parse --verify --quiet HEAD >/dev/null; then
  echo "render unchanged; nothing to commit on $branch" >&2
  exit 0
fi
git -C "$work" -c user.name="${GIT_AUTHOR_NAME:-joey-ci}" -c user.email="${GIT_AUTHOR_EMAIL:-joey-ci@localhost}" \
  commit --quiet -m "joey render of ${commit:0:12}${JOEY_ENV:+ (env $JOEY_ENV)}" -m "Source-Commit: $commit"
if [[ "$remote" != none ]]; then
  git -C "$work" push --quiet "$remote" "HEAD:refs/heads/$branch"
fi
echo "rendered ${commit:0:12} to $branch" >&2
