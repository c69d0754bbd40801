#!/usr/bin/env bash
# The container, proved on a machine with no Docker engine and no registry but Debian's archive:
#
#   1. stand-ins of the two base images docker/Dockerfile names, made from Debian's packages and
#      tagged with the very names it uses, so the Dockerfile is built unchanged:
#        docker.io/library/debian:bookworm-slim     debootstrap --variant=minbase bookworm, then
#                                                   slimmed as the official image is (no docs,
#                                                   man pages, locales, apt lists)
#        docker.io/library/rust:1.95-slim-bookworm  the same bookworm plus gcc, libc6-dev,
#                                                   ca-certificates and wget (what the official
#                                                   slim image installs), and this machine's own
#                                                   Rust 1.95 toolchain and rustup laid out as the
#                                                   official image has them (/usr/local/rustup,
#                                                   /usr/local/cargo/bin on PATH)
#      The stand-ins are kept between runs (FRESH_IMAGES=1 makes them anew).
#   2. a clean build of the image (podman build --no-cache -f docker/Dockerfile .) with NO network
#      (--network=none): cargo builds offline (CARGO_NET_OFFLINE=true) from this machine's
#      crates.io cache, ~/.cargo/registry, mounted as an overlay (the build's writes to it are
#      thrown away); then its size, its USER and `id -u` inside it (numeric, not 0);
#   3. the image run against this machine's PostgreSQL (--network=host, 127.0.0.1:5432, trust):
#      GET /readyz, `podman healthcheck run` (the Dockerfile's HEALTHCHECK, `concord probe`),
#      then `podman stop` timed (SIGTERM to PID 1, graceful);
#      and the image started against a port where nothing listens: it logs its attempts with
#      host and port, and `podman stop` ends it at once, though concord is PID 1;
#   4. a rebuild after a one-line change to src/lib.rs (in a copy of the build context: the work
#      tree is never touched), timed against the clean build.
#
# Usage, as root, from anywhere in the repository:   scripts/container.sh [images]
# ("images" makes the stand-ins only.)
# Takes 30 to 40 minutes on 2 shared cores (two release builds are most of it), so CI does not
# run it. Installs podman, debootstrap and runc with apt-get when missing.
#
# Environment (all optional): WORK (default /var/tmp/concord-container: root file systems, logs,
# results.txt), MIRROR (Debian mirror; default: the first one apt uses), FRESH_IMAGES=1,
# PGHOST/PGPORT (default 127.0.0.1:5432; a TCP address, since the container reaches it through
# the host's network), KEEP_IMAGE=1 (keep localhost/concord:proof afterwards).
#
# Podman on these machines: crun refuses the hybrid cgroup v1/v2 layout, and the sandbox lacks
# CAP_SYS_RESOURCE, so podman's default limits (nproc 1048576) cannot be set; this script points
# CONTAINERS_CONF at a file of its own choosing runc and limits within the current ones.

set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${WORK:-/var/tmp/concord-container}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
IMAGE=localhost/concord:proof
SLIM_TAG=docker.io/library/debian:bookworm-slim
RUST_TAG=docker.io/library/rust:1.95-slim-bookworm
RUST_VERSION=1.95.0
STARTED=$SECONDS
CONTEXT=""
CONTAINERS=()
DB_NAME=""

say() { printf '[container %4ds] %s\n' "$((SECONDS - STARTED))" "$*"; }
die() { printf '[container] FAILED: %s\n' "$*" >&2; exit 1; }
record() { say "$*"; echo "$*" >> "$WORK/results.txt"; }

# shellcheck disable=SC2317  # called by the EXIT trap
finish() {
    local status=$?
    set +e
    for c in "${CONTAINERS[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1; done
    [[ -n "$DB_NAME" ]] && dropdb -h "$PGHOST" -p "$PGPORT" -U postgres --if-exists --force "$DB_NAME" 2>/dev/null
    [[ -n "$CONTEXT" ]] && rm -rf "$CONTEXT"
    # The image and the build's cached layers (gigabytes of target/) go, unless KEEP_IMAGE=1;
    # the stand-ins stay. Nothing else on these machines uses podman's storage.
    if [[ "${KEEP_IMAGE:-}" != 1 ]]; then
        podman rmi -f "$IMAGE" >/dev/null 2>&1
        podman image prune -f >/dev/null 2>&1
    fi
    if [[ $status -eq 0 ]]; then say "passed in $((SECONDS - STARTED)) s; figures in $WORK/results.txt"
    else echo "[container] failed (exit $status) after $((SECONDS - STARTED)) s; logs in $WORK" >&2; fi
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[[ $(id -u) -eq 0 ]] || die "run as root (rootful podman, debootstrap)"
mkdir -p "$WORK"
: > "$WORK/results.txt"

# --- tools ---------------------------------------------------------------------------------
missing=()
command -v podman >/dev/null || missing+=(podman)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v runc >/dev/null || missing+=(runc)
if ((${#missing[@]})); then
    say "installing ${missing[*]} from Debian's packages"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
command -v createdb >/dev/null || die "createdb (postgresql-client) is needed"
cat > "$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$WORK/containers.conf"
ULIMITS=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096)
MIRROR="${MIRROR:-$(grep -hoE '^URIs: *http[^ ]*/debian$|^deb +http[^ ]*/debian ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1 | grep -oE 'http[^ ]*debian' || true)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

# --- 1. the stand-ins ------------------------------------------------------------------------

# slim ROOTFS: what the official image's build (debuerreotype) removes: documentation but the
# copyright files, man pages, info, locales, apt's lists and caches; and keeps them out for
# later packages with the same dpkg and apt settings.
slim() {
    local r="$1"
    cat > "$r/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    cat > "$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' > "$r/etc/apt/apt.conf.d/docker-no-languages"
    echo 'APT::AutoRemove::SuggestsImportant "false";' > "$r/etc/apt/apt.conf.d/docker-autoremove-suggests"
    find "$r/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$r"/usr/share/{man,groff,info,lintian,linda}/* "$r"/var/lib/apt/lists/* \
           "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb "$r"/var/log/*.log "$r"/tmp/*
    find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    rm -f "$r/etc/resolv.conf" "$r/etc/hostname"
}

# bootstrap DIR [PACKAGES]: Debian bookworm, minbase, from the archive.
bootstrap() {
    local dir="$1" include="${2:-}"
    rm -rf "$dir"
    say "debootstrap bookworm ${include:+(+ $include) }into $dir from $MIRROR"
    debootstrap --variant=minbase ${include:+--include="$include"} bookworm "$dir" "$MIRROR" \
        > "$dir.log" 2>&1 || { tail -n 20 "$dir.log" >&2; die "debootstrap failed (log: $dir.log)"; }
}

image_exists() { podman image exists "$1"; }

if [[ "${FRESH_IMAGES:-}" == 1 ]] || ! image_exists "$SLIM_TAG"; then
    t0=$SECONDS
    bootstrap "$WORK/rootfs-slim"
    slim "$WORK/rootfs-slim"
    tar -C "$WORK/rootfs-slim" -c . | podman import --change 'CMD ["bash"]' - "$SLIM_TAG" >/dev/null 2>>"$WORK/import.log"
    record "stand-in $SLIM_TAG made in $((SECONDS - t0)) s"
fi

if [[ "${FRESH_IMAGES:-}" == 1 ]] || ! image_exists "$RUST_TAG"; then
    t0=$SECONDS
    sysroot="$(rustc --print sysroot)"
    rustc --version | grep -q "^rustc $RUST_VERSION " \
        || die "this machine's rustc is $(rustc --version), not $RUST_VERSION as the Dockerfile's image"
    rustup_bin="$(command -v rustup)" || die "rustup not found"
    r="$WORK/rootfs-rust"
    bootstrap "$r" ca-certificates,gcc,libc6-dev,wget
    slim "$r"
    toolchain="$r/usr/local/rustup/toolchains/$RUST_VERSION-x86_64-unknown-linux-gnu"
    mkdir -p "$toolchain" "$r/usr/local/cargo/bin"
    # The toolchain without its documentation (the official image installs no docs either).
    tar -C "$sysroot" --exclude=./share/doc -c . | tar -C "$toolchain" -x
    cp "$rustup_bin" "$r/usr/local/cargo/bin/rustup"
    for proxy in cargo cargo-clippy cargo-fmt clippy-driver rust-gdb rust-gdbgui rust-lldb rustc rustdoc rustfmt; do
        ln -s rustup "$r/usr/local/cargo/bin/$proxy"
    done
    printf 'version = "12"\ndefault_toolchain = "%s-x86_64-unknown-linux-gnu"\nprofile = "minimal"\n' \
        "$RUST_VERSION" > "$r/usr/local/rustup/settings.toml"
    chmod -R a+w "$r/usr/local/rustup" "$r/usr/local/cargo"
    tar -C "$r" -c . | podman import \
        --change 'ENV RUSTUP_HOME=/usr/local/rustup' --change 'ENV CARGO_HOME=/usr/local/cargo' \
        --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "ENV RUST_VERSION=$RUST_VERSION" --change 'CMD ["bash"]' - "$RUST_TAG" >/dev/null 2>>"$WORK/import.log"
    podman run --rm --network=none "$RUST_TAG" sh -c 'cargo --version && rustc --version && cc --version | head -n 1' \
        | sed 's/^/    /'
    record "stand-in $RUST_TAG made in $((SECONDS - t0)) s"
fi
for tag in "$SLIM_TAG" "$RUST_TAG"; do
    record "base $tag: $(podman image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
done

if [[ "${1:-}" == images ]]; then exit 0; fi

# --- 2. the clean build ----------------------------------------------------------------------
# The build context: a copy of what git tracks (plus the work tree's changes to tracked files),
# so that step 4 can change a line without touching the work tree. .dockerignore applies to it.
CONTEXT="$(mktemp -d "${TMPDIR:-/tmp}/concord-context.XXXXXX")"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | (cd "$ROOT" && { xargs -0 cp --parents -t "$CONTEXT" 2>/dev/null || true; })
[[ -f "$CONTEXT/docker/Dockerfile" && -f "$CONTEXT/.dockerignore" ]] || die "the context copy lacks docker/Dockerfile or .dockerignore"
REGISTRY="${CARGO_HOME:-$HOME/.cargo}/registry"
[[ -d "$REGISTRY/cache" ]] || die "no crates.io cache at $REGISTRY (run cargo fetch once)"

build() {
    podman build --pull=never --network=none --format docker "${ULIMITS[@]}" \
        --build-arg CARGO_NET_OFFLINE=true -v "$REGISTRY:/usr/local/cargo/registry:O" \
        -f docker/Dockerfile -t "$IMAGE" "$@" "$CONTEXT"
}

podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
say "clean build (podman build --no-cache, no network; log $WORK/build-clean.log)"
t0=$SECONDS
build --no-cache > "$WORK/build-clean.log" 2>&1 || { tail -n 30 "$WORK/build-clean.log" >&2; die "clean build failed"; }
CLEAN=$((SECONDS - t0))
record "clean build: ${CLEAN} s"
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
record "image $IMAGE: $(awk -v s="$size" 'BEGIN{printf "%.1f MB", s/1e6}') (podman image inspect .Size)"
record "binary: $(podman run --rm --network=none --entrypoint sh "$IMAGE" -c 'stat -c %s /usr/local/bin/concord' | awk '{printf "%.1f MB", $1/1e6}')"
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
uid=$(podman run --rm --network=none --entrypoint id "$IMAGE" -u)
gid=$(podman run --rm --network=none --entrypoint id "$IMAGE" -g)
[[ "$user" =~ ^[0-9]+(:[0-9]+)?$ ]] || die "USER is '$user', not numeric"
[[ "$uid" =~ ^[0-9]+$ && "$uid" != 0 ]] || die "id -u in the image is '$uid'"
record "USER $user; id -u = $uid, id -g = $gid (numeric, not root)"
health=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")
[[ "$health" == *probe* ]] || die "the image has no HEALTHCHECK running concord probe: $health"
record "HEALTHCHECK kept in the image: $health"
added=$(podman run --rm --network=none --entrypoint sh "$IMAGE" -c 'dpkg-query -W -f "\${Package}\n" | wc -l')
base=$(podman run --rm --network=none --entrypoint sh "$SLIM_TAG" -c 'dpkg-query -W -f "\${Package}\n" | wc -l')
[[ "$added" == "$base" ]] || die "the runtime image has $added Debian packages, its base $base"
record "runtime packages: $added, the same as the base image's (nothing installed)"

# --- 3. run it --------------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
DB_NAME="concord_container_$(date +%Y%m%d%H%M%S)_$$"
PORT=$(free_port)
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
NAME="concord-proof-$$"
CONTAINERS+=("$NAME")
say "running $IMAGE against PostgreSQL at $PGHOST:$PGPORT (database $DB_NAME), BIND 127.0.0.1:$PORT"
t0=$(date +%s.%N)
podman run -d --name "$NAME" --network=host --health-interval=disable \
    -e DATABASE_URL="postgres://postgres@$PGHOST:$PGPORT/$DB_NAME" -e JWT_SECRET="$SECRET" \
    -e BIND="127.0.0.1:$PORT" "$IMAGE" >/dev/null
for i in $(seq 1 300); do
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break
    [[ "$(podman inspect --format '{{.State.Running}}' "$NAME")" == true ]] || { podman logs "$NAME" >&2; die "the container exited"; }
    [[ $i -eq 300 ]] && { podman logs "$NAME" >&2; die "no 200 from /readyz within 60 s"; }
    sleep 0.2
done
record "container ready (GET /readyz 200) $(python3 -c "import time; print(f'{time.time() - $t0:.1f}')") s after podman run (database created and migrated)"
podman healthcheck run "$NAME" > "$WORK/healthcheck.out" 2>&1 || { cat "$WORK/healthcheck.out" >&2; die "podman healthcheck run failed"; }
record "podman healthcheck run: exit 0 $(tr '\n' ' ' < "$WORK/healthcheck.out")(status $(podman inspect --format '{{.State.Health.Status}}' "$NAME" 2>/dev/null || podman inspect --format '{{.State.Healthcheck.Status}}' "$NAME"))"
t0=$(date +%s.%N)
podman stop -t 25 "$NAME" >/dev/null
stop=$(python3 -c "import time; print(f'{time.time() - $t0:.2f}')")
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME")
podman logs "$NAME" > "$WORK/run.log" 2>&1
grep -q '"message":"stopped"' "$WORK/run.log" || die "no 'stopped' line in the log ($WORK/run.log)"
record "podman stop (SIGTERM, graceful): ${stop} s, exit code $code"
[[ "$code" == 0 ]] || die "exit code $code after SIGTERM"

# Start-up against nothing: concord as PID 1 must still honour SIGTERM at once.
NAME2="concord-proof-wait-$$"
CONTAINERS+=("$NAME2")
DEAD=$(free_port)
podman run -d --name "$NAME2" --network=host --health-interval=disable \
    -e DATABASE_URL="postgres://concord:never-logged-5e1f@127.0.0.1:$DEAD/concord" -e JWT_SECRET="$SECRET" \
    -e BIND="127.0.0.1:$(free_port)" "$IMAGE" >/dev/null
for i in $(seq 1 100); do
    podman logs "$NAME2" 2>&1 | grep -q '"attempt":3' && break
    [[ $i -eq 100 ]] && { podman logs "$NAME2" >&2; die "no third attempt logged within 20 s"; }
    sleep 0.2
done
t0=$(date +%s.%N)
podman stop -t 10 "$NAME2" >/dev/null
stop=$(python3 -c "import time; print(f'{time.time() - $t0:.2f}')")
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME2")
podman logs "$NAME2" > "$WORK/wait.log" 2>&1
grep -q "\"server\":\"127.0.0.1:$DEAD\"" "$WORK/wait.log" || die "the attempts do not name 127.0.0.1:$DEAD"
! grep -q never-logged "$WORK/wait.log" || die "the password is in the log"
record "no database at 127.0.0.1:$DEAD: $(grep -c '"connecting to PostgreSQL"' "$WORK/wait.log") attempts logged with host:port, no password; podman stop during start-up: ${stop} s (10 s would mean SIGTERM ignored and SIGKILL), exit code $code"
python3 -c "import sys; sys.exit(0 if $stop < 5 else 1)" || die "podman stop took $stop s during start-up"
head -n 4 "$WORK/wait.log" | sed 's/^/    /'

# --- 4. a one-line change ---------------------------------------------------------------------
echo 'pub const CONTAINER_PROOF_ONE_LINE_CHANGE: u32 = 1;' >> "$CONTEXT/src/lib.rs"
say "rebuild after a one-line change to src/lib.rs (log $WORK/build-rebuild.log)"
t0=$SECONDS
build > "$WORK/build-rebuild.log" 2>&1 || { tail -n 30 "$WORK/build-rebuild.log" >&2; die "rebuild failed"; }
REBUILD=$((SECONDS - t0))
grep -q 'Using cache' "$WORK/build-rebuild.log" || die "the rebuild used no cached layer"
record "rebuild after a one-line change: ${REBUILD} s, $(awk -v r="$REBUILD" -v c="$CLEAN" 'BEGIN{printf "%.0f%%", 100*r/c}') of the clean build (dependency layer reused)"
# Reported, not enforced: on shared cores both times move with other builds' load.
((REBUILD * 2 < CLEAN)) || record "NOTE: the rebuild is not under half the clean build here (other builds' load moves both)"
sent=$(cd "$CONTEXT" && du -sc Cargo.toml Cargo.lock src migrations data benches/*.rs licenses | tail -n 1 | cut -f1)
record "build context after .dockerignore: $((sent / 1024)) MB (the work tree, with target/: $(du -sh "$ROOT" 2>/dev/null | cut -f1))"
exit 0
