#!/usr/bin/env bash
# Installs the Debian packages manimgraph needs (cairo/pango headers for manim's
# native wheels, ffmpeg, a LaTeX subset for MathTex, flite for the offline narration
# voice). Idempotent: only what is
# missing is installed; without root it prints the exact command instead.
set -euo pipefail

packages=(
  libcairo2-dev libpango1.0-dev pkg-config ffmpeg
  texlive-latex-base texlive-latex-recommended texlive-latex-extra
  texlive-fonts-recommended dvisvgm
  bubblewrap libseccomp2
  flite
  redis-server
  postgresql
  hey
  chromium
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "manimgraph needs system packages. Run as root:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 1
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd -qq
