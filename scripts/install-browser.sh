#!/usr/bin/env bash
# Installs Debian's Chromium for the report tests (they open the HTML report headless, take a screenshot and
# read its console) when it is missing and this user can install packages; otherwise says what to run.
# Exits 1 if it is still missing: those tests are then skipped with a message.
set -uo pipefail
command -v chromium >/dev/null && exit 0

if [ "$(id -u)" = 0 ]; then apt=(apt-get)
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then apt=(sudo -n apt-get)
else
  echo "browser: Chromium is missing. Install it with:  sudo apt-get install chromium" >&2
  exit 1
fi
echo "browser: installing Chromium (Debian package chromium) for the report tests..."
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" install -y -qq chromium >/dev/null 2>&1 \
  || { "${apt[@]}" update -qq >/dev/null 2>&1 && "${apt[@]}" install -y -qq chromium >/dev/null 2>&1; }
command -v chromium >/dev/null && { echo "browser: $(chromium --version 2>/dev/null | head -1)"; exit 0; }
echo "browser: could not install Chromium. Run:  sudo apt-get update && sudo apt-get install chromium" >&2
exit 1
