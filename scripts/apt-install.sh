# Sourced by the install-*.sh scripts: apt_install TAG PACKAGE WHAT installs a Debian package when this user
# may (root, or password-less sudo), updating the package lists once if the first try fails. Returns 1, with
# the command to run, when it may not or could not.
apt_install() {
  local tag=$1 package=$2 what=$3 apt
  if [ "$(id -u)" = 0 ]; then apt=(apt-get)
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then apt=(sudo -n apt-get)
  else
    echo "$tag: $what is missing. Install it with:  sudo apt-get install $package" >&2
    return 1
  fi
  echo "$tag: installing $what (Debian package $package)..."
  export DEBIAN_FRONTEND=noninteractive
  "${apt[@]}" install -y -qq "$package" >/dev/null 2>&1 \
    || { "${apt[@]}" update -qq >/dev/null 2>&1 && "${apt[@]}" install -y -qq "$package" >/dev/null 2>&1; }
}
