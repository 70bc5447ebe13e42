#!/usr/bin/env bash
# Runs the tests' Mastodon and AT Protocol stand-ins as a program, for trying federated sign-in by hand
# against the built jar. Prints how to start Portal beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" dev.portal.support.StandIns
