#!/usr/bin/env bash
# Runs every test: installs what the tests need that it can (Fashion-MNIST, Chromium), then the whole Maven build with tests.
# A Fashion-MNIST test that cannot get its data is skipped with a message saying so.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/install-data.sh" || echo "test: continuing without Fashion-MNIST; its test will be skipped" >&2
"$here/scripts/install-browser.sh" || echo "test: continuing without Chromium; the report's browser test will be skipped" >&2
cd "$here"
exec mvn -B verify
