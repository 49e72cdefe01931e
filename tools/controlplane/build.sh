#!/usr/bin/env bash
# Builds the test Kubernetes control plane's binaries from the Go module
# proxy, at the versions pinned in the go.mod files beside this script, into
#
#   ${KFPGO_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kfpgo/controlplane}/<key>/
#
# where <key> is "k8s-<version>-" plus the first 12 hex digits of a SHA-256
# over these go.mod, go.sum and .go files (components/testenv's
# ControlPlaneBinDir computes the same key to find them). That directory
# holds links into mod/<module>-<hash of the module's files>/, where each
# module is built once: changing one module's pins rebuilds that module
# only. A directory that is already complete is reused; the build takes a
# lock, so concurrent runs build once.
#
#   kube/             kube-apiserver, kube-controller-manager, kube-scheduler (k8s.io/kubernetes)
#   etcd/             etcd (go.etcd.io/etcd/server/v3, a one-line main calling etcdmain)
#   trainingoperator/ training-operator (github.com/kubeflow/training-operator cmd/training-operator.v1)
#   kwok/             kwok (sigs.k8s.io/kwok cmd/kwok)
#   jobset/           jobset (sigs.k8s.io/jobset, the JobSet controller; the version Trainer requires)
#   trainer/          trainer-controller-manager (github.com/kubeflow/trainer/v2 cmd/trainer-controller-manager)
#
# Prints the directory on stdout. Usage: tools/controlplane/build.sh [--dir]
# (--dir prints the directory without building).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
modules=(etcd kube trainingoperator kwok jobset trainer)
k8s=$(awk '$1=="k8s.io/kubernetes"{print $2}' kube/go.mod)
sum=$(find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
root="${KFPGO_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kfpgo/controlplane}"
dir="$root/k8s-$k8s-$sum"
if [ "${1:-}" = --dir ]; then echo "$dir"; exit 0; fi
if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi
mkdir -p "$root/mod"
exec 9>"$root/.lock"
flock 9
if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi
start=$SECONDS
tmp="$(mktemp -d "$root/.build-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# Each module builds into its own directory, keyed by its own files, so a
# change to one module rebuilds that module only; $dir then holds symbolic
# links to the binaries of every module.
for m in "${modules[@]}"; do
  msum=$(cd "$m" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
  mdir="$root/mod/$m-$msum"
  if [ ! -f "$mdir/.complete" ]; then
    t0=$SECONDS
    mkdir -p "$tmp/$m"
    pkgs=tool
    if [ "$m" = etcd ]; then pkgs=./cmd/etcd; fi
    (cd "$m" && go mod download)
    what=$(cd "$m" && go list -f '{{with .Module}}{{.Path}}@{{.Version}}{{end}}' $pkgs | sort -u | tr '\n' ' ')
    if [ "$m" = etcd ]; then what=$(cd "$m" && go list -m -f '{{.Path}}@{{.Version}}' go.etcd.io/etcd/server/v3); fi
    echo "controlplane: building $m: $what" >&2
    total=$(cd "$m" && go list -deps $pkgs | wc -l)
    # go build -v names each package it compiles: count them against the
    # packages the binaries need, every 15 s, with the rate and what is left.
    if ! (cd "$m" && go build -v -trimpath -o "$tmp/$m/" $pkgs) 2>&1 | awk -v m="$m" -v total="$total" -v t0="$(date +%s)" 'BEGIN { last = t0 }
      /^(#|[a-z]+:|\t|\/)/ || /:[0-9]+:/ || / error/ { print > "/dev/stderr"; next }
      { n++; now = systime(); if (now - last >= 15) { last = now; el = now - t0; r = el > 0 ? n / el : 0
          printf "controlplane: %s: %d of at most %d packages compiled, %.1f/s, at most %dm%02ds left\n", m, n, total, r, (r > 0 ? (total - n) / r : 0) / 60, (r > 0 ? (total - n) / r : 0) % 60 > "/dev/stderr" } }'; then
      echo "controlplane: building $m failed (the lines above say why)" >&2; exit 1
    fi
    if [ -e "$tmp/$m/training-operator.v1" ]; then mv "$tmp/$m/training-operator.v1" "$tmp/$m/training-operator"; fi
    touch "$tmp/$m/.complete"
    rm -rf "$mdir"
    mv "$tmp/$m" "$mdir"
    echo "controlplane: $m built in $((SECONDS - t0))s" >&2
  else
    echo "controlplane: $m up to date in $mdir" >&2
  fi
  for b in "$mdir"/*; do ln -sfn "$b" "$tmp/$(basename "$b")"; done
done
touch "$tmp/.complete"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "controlplane: ready in $((SECONDS - start))s: $dir" >&2
echo "$dir"
