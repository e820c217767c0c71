#!/usr/bin/env bash
# Installs everything Sextant needs to build, run and test on Debian 12 (bookworm).
# Safe to run again: apt skips what is already there.
set -euo pipefail

packages=(
    # toolchain
    build-essential cmake ninja-build ccache pkg-config clang-format git openssl
    # Qt 6 and the libraries the user chose
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev qt6-tools-dev qt6-tools-dev-tools
    qt6-l10n-tools libqt6sql6-sqlite qtkeychain-qt6-dev libgit2-dev libyaml-cpp-dev
    nlohmann-json3-dev libsimdjson-dev libgl1-mesa-dev
    # platform plugins and fonts so the console runs on a plain desktop or under Xvfb
    qt6-qpa-plugins fonts-dejavu-core
    # tests: a real Secret Service on a private D-Bus, a virtual X server for screenshots
    gnome-keyring dbus-x11 xvfb xauth
    # tests: real Git over smart HTTP (git http-backend behind a loopback web server)
    lighttpd
    # tests: a real Prometheus with backfilled history (promtool) and a real Alertmanager
    prometheus prometheus-alertmanager
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "Installing: ${missing[*]}"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
