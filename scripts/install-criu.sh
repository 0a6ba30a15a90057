#!/usr/bin/env bash
# Install CRIU 4.1.1 for bench/cold_start.py's snapshot-restore figure (the local stand-in for Lambda SnapStart).
#
# Debian bookworm's criu (3.17) cannot run on newer kernels (this machine's is 6.18): they map the vDSO's clock
# page as [vvar_vclock], and 3.17 stops at "vdso: Unexpected rt vDSO area bounds". 4.1 knows that mapping. This builds the
# criu binary from Debian's own source archive of 4.1.1 (checked against its SHA-256) with Debian's build packages,
# and installs it as /usr/local/sbin/criu. Needs root, as CRIU itself does. Does nothing if `criu check` passes.
set -euo pipefail

VERSION=4.1.1
ARCHIVE="criu_${VERSION}.orig.tar.xz"
URL="http://deb.debian.org/debian/pool/main/c/criu/${ARCHIVE}"
SHA256=f80a66cb3726bb2116266d4759ce3bcbfab7abdb6b6d430bf20dd41911717afe

if command -v criu >/dev/null && criu check >/dev/null 2>&1; then
  echo "criu $(criu --version | sed -n 's/^Version: //p') already works here"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "CRIU needs root (to build it here and to checkpoint processes)" >&2
  exit 1
fi

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential pkg-config curl xz-utils \
  libprotobuf-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler python3-protobuf \
  libnl-3-dev libnet1-dev libcap-dev libbsd-dev uuid-dev libaio-dev >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
curl -fsSL -o "$work/$ARCHIVE" "$URL"
echo "$SHA256  $work/$ARCHIVE" | sha256sum --check --quiet
tar -xf "$work/$ARCHIVE" -C "$work"
make -C "$work/criu-$VERSION" -j"$(nproc)" criu >/dev/null
install -m 0755 "$work/criu-$VERSION/criu/criu" /usr/local/sbin/criu
/usr/local/sbin/criu check
