#!/usr/bin/env bash
# Runs one test inside a private D-Bus session with a headless, unlocked gnome-keyring, so
# QtKeychain talks to a real Secret Service without touching the user's own keyring.
set -euo pipefail
test_binary="$1"
shift
HOME=$(mktemp -d)
XDG_RUNTIME_DIR=$(mktemp -d)
chmod 700 "$XDG_RUNTIME_DIR"
export HOME XDG_RUNTIME_DIR
unset DISPLAY WAYLAND_DISPLAY
eval "$(dbus-launch --sh-syntax)"
cleanup() {
    [ -n "${GNOME_KEYRING_PID:-}" ] && kill "$GNOME_KEYRING_PID" 2>/dev/null || true
    kill "$DBUS_SESSION_BUS_PID" 2>/dev/null || true
    rm -rf "$HOME" "$XDG_RUNTIME_DIR"
}
trap cleanup EXIT
eval "$(printf 'sextant-test-password' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
"$test_binary" "$@"
