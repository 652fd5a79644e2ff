#!/usr/bin/env bash
# Installs what fupin needs to build and run on Debian 12 (as root, or with
# sudo); with --test, also what the tests need (promtool, a headless browser
# and a CJK font for the dashboard test; iproute2 for the network-namespace test; clang
# for the libFuzzer targets).
set -eu
PKGS="build-essential cmake pkg-config libzmq3-dev libmsgpack-dev libuv1-dev libsqlite3-dev libuchardet-dev
      libsodium-dev libopencc-dev opencc libjansson-dev libmicrohttpd-dev libxml2-dev libpoppler-glib-dev python3"
[ "${1:-}" = --test ] && PKGS="$PKGS prometheus chromium fonts-wqy-zenhei iproute2 clang"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
