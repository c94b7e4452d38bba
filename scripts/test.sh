#!/usr/bin/env bash
# Runs every test: installs the test data it can (Fashion-MNIST), then the whole Maven build with tests.
# A Fashion-MNIST test that cannot get its data is skipped with a message saying so.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/install-data.sh" || echo "test: continuing without Fashion-MNIST; its test will be skipped" >&2
cd "$here"
exec mvn -B verify
