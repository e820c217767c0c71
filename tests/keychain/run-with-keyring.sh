#!/usr/bin/env bash
# Runs one test inside a private D-Bus session with a headless, unlocked gnome-keyring, so
# QtKeychain talks to a real Secret Service without touching the user's own keyring.
# Needs the Debian packages gnome-keyring and dbus-x11 (dbus-launch); dbus-send comes with dbus.
set -euo pipefail
test_binary="$1"
shift
for tool in dbus-launch gnome-keyring-daemon dbus-send; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "run-with-keyring.sh: $tool is missing (apt-get install gnome-keyring dbus-x11)" >&2
        exit 1
    fi
done
HOME=$(mktemp -d)
XDG_RUNTIME_DIR=$(mktemp -d)
chmod 700 "$XDG_RUNTIME_DIR"
export HOME XDG_RUNTIME_DIR
unset DISPLAY WAYLAND_DISPLAY XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME
DBUS_SESSION_BUS_PID=""
keyring_pid=""
cleanup() {
    # The keyring daemon double-forks and prints no pid: it was found through the bus below.
    [ -n "$keyring_pid" ] && kill "$keyring_pid" 2>/dev/null || true
    [ -n "$DBUS_SESSION_BUS_PID" ] && kill "$DBUS_SESSION_BUS_PID" 2>/dev/null || true
    rm -rf "$HOME" "$XDG_RUNTIME_DIR"
}
trap cleanup EXIT
eval "$(dbus-launch --sh-syntax)"
# With --unlock and a fresh HOME the daemon creates the "login" collection, unlocked with this
# password. Recent versions print nothing here; older ones print GNOME_KEYRING_CONTROL.
eval "$(printf 'sextant-test-password' | gnome-keyring-daemon --unlock --components=secrets)"
# The daemon claims org.freedesktop.secrets a moment after --unlock returns; wait for it, or
# QtKeychain would D-Bus-activate a second, locked daemon.
for _ in $(seq 300); do
    keyring_pid=$(dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus \
        /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID \
        string:org.freedesktop.secrets 2>/dev/null | awk '{print $2}') || keyring_pid=""
    [ -n "$keyring_pid" ] && break
    sleep 0.1
done
if [ -z "$keyring_pid" ]; then
    echo "run-with-keyring.sh: gnome-keyring-daemon did not come up on the private bus" >&2
    exit 1
fi
# Tests that write to the keychain refuse to run without this, so they never touch a user's own.
export SEXTANT_TEST_PRIVATE_KEYRING=1
"$test_binary" "$@"
