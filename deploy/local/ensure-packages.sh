#!/usr/bin/env bash
# Install the named Debian packages that are missing; skip the ones already installed.
# Runs `apt-get update` at most once, and only when something is missing. Package scripts
# are kept from starting system-wide services (nginx on :80, a cluster on :5432, ...): the
# local stack starts its own processes on loopback.
set -euo pipefail

missing=()
for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "Installing from the OS packages: ${missing[*]}"
policy=/usr/sbin/policy-rc.d
added_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# added by socialco deploy/local/ensure-packages.sh while installing\nexit 101\n' \
        | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    added_policy="yes"
fi
cleanup() {
    if [ -n "$added_policy" ]; then
        $sudo rm -f "$policy"
    fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq -o Dpkg::Use-Pty=0 "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
