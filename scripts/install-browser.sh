#!/usr/bin/env bash
# Installs Debian's Chromium for the report tests (they open the HTML report headless, take a screenshot and
# read its console) when it is missing and this user can install packages; otherwise says what to run.
# Exits 1 if it is still missing: those tests are then skipped with a message.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
command -v chromium >/dev/null && exit 0
apt_install browser chromium "Chromium, for the report tests" || exit 1
command -v chromium >/dev/null && { echo "browser: $(chromium --version 2>/dev/null | head -1)"; exit 0; }
echo "browser: could not install Chromium. Run:  sudo apt-get update && sudo apt-get install chromium" >&2
exit 1
