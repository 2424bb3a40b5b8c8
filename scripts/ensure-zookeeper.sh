#!/usr/bin/env bash
# Makes Apache ZooKeeper's server jar available for the tests that need a real ZooKeeper
# (election, detection, the zk registry). Installs Debian's `zookeeper` package when the jar is
# missing; the tests start their own servers with java directly (test/support/zookeeper.ts), so
# no system service is enabled or started here. Prints the jar's path on success.
# Exit status: 0 = jar present, 1 = it could not be installed (tests then skip with a reason).
set -euo pipefail

JAR="${TESSERA_ZOOKEEPER_JAR:-/usr/share/java/zookeeper.jar}"

if [[ ! -f "$JAR" ]]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-zookeeper: $JAR is missing and apt-get is not available" >&2
    exit 1
  fi
  SUDO=""
  if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq zookeeper >&2
  if [[ ! -f "$JAR" ]]; then
    echo "ensure-zookeeper: installed the zookeeper package but $JAR is still missing" >&2
    exit 1
  fi
fi

if ! command -v java >/dev/null 2>&1; then
  echo "ensure-zookeeper: java is not installed (the zookeeper package should have pulled it in)" >&2
  exit 1
fi

echo "$JAR"
