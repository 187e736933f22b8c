#!/usr/bin/env bash
# Builds a Java 17 runtime base image as a docker-save tarball without any container registry:
# Debian bookworm (minbase) + openjdk-17-jre-headless + ca-certificates, from a Debian mirror.
# For machines that reach a Debian mirror but no registry. Then:
#   mvn -Pimage package -Dimage.base=tar://$PWD/target/image-base/debian-jre17.tar
# Needs root (debootstrap chroots) and debootstrap (apt-get install debootstrap).
set -euo pipefail

out=${1:-target/image-base}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rootfs=$out/rootfs
work=$out/oci

if [ ! -x "$rootfs/usr/lib/jvm/java-17-openjdk-amd64/bin/java" ]; then
  debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates \
    bookworm "$rootfs" "$mirror"
fi

# Nothing in the image needs package caches, docs or man pages.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/var/log/* "$rootfs"/tmp/*
chmod 1777 "$rootfs/tmp"
# The operator runs as 65532 (the chart's runAsUser); give that id a name and a home.
grep -q '^nonroot:' "$rootfs/etc/passwd" ||
  echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin' >>"$rootfs/etc/passwd"
grep -q '^nonroot:' "$rootfs/etc/group" || echo 'nonroot:x:65532:' >>"$rootfs/etc/group"
mkdir -p "$rootfs/home/nonroot" && chown 65532:65532 "$rootfs/home/nonroot"

rm -rf "$work" && mkdir -p "$work"
# Fixed mtimes and sorted names: the same packages give the same layer digest.
tar --numeric-owner --sort=name --mtime='2024-01-01 00:00:00Z' \
  --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' --exclude='./run/*' \
  -C "$rootfs" -cf "$work/layer.tar" .
diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
jre_version=$(chroot "$rootfs" dpkg-query -W -f='${Version}' openjdk-17-jre-headless)

cat >"$work/config.json" <<JSON
{
  "architecture": "amd64",
  "os": "linux",
  "created": "2024-01-01T00:00:00Z",
  "config": {
    "Env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64",
      "LANG=C.UTF-8"
    ],
    "Labels": {
      "org.opencontainers.image.base.name": "debian:bookworm",
      "org.opencontainers.image.description": "Debian bookworm minbase + openjdk-17-jre-headless $jre_version"
    }
  },
  "rootfs": {"type": "layers", "diff_ids": ["$diff_id"]},
  "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "deploy/image/build-debian-base.sh"}]
}
JSON
cat >"$work/manifest.json" <<JSON
[{"Config": "config.json", "RepoTags": ["ttes-operator-base:debian-jre17"], "Layers": ["layer.tar"]}]
JSON
tar -C "$work" -cf "$out/debian-jre17.tar" manifest.json config.json layer.tar
rm -rf "$work"
echo "$out/debian-jre17.tar (openjdk-17-jre-headless $jre_version)"
