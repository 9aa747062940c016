#!/usr/bin/env bash
# Installs what Pulseboard's build needs, skipping whatever is already there.
# Sourced by scripts/run and scripts/test. Everything comes from crates.io,
# npm or Debian: no tool is downloaded from GitHub.
#   setup_build   Rust wasm target, cargo-leptos, wasm-bindgen-cli, sass
#   setup_test    + Chromium, cargo-nextest, cargo-llvm-cov with LLVM tools, end2end npm packages, PostgreSQL installed and running

CARGO_LEPTOS_VERSION=0.3.11

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

root_dir() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

wasm_bindgen_version() {
  # The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$(root_dir)/Cargo.lock"
}

setup_build() {
  command -v cargo >/dev/null || { echo "Rust is required: https://rustup.rs" >&2; return 1; }
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi

  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 10 minutes on 2 cores)"
    # Its published lock file needs a newer rustc (cargo-util-schemas 0.14.2):
    # build from the crate source with that one dependency held back, and
    # without download support (tools must be on PATH instead).
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked >/dev/null 2>&1 || true
    local src tmp
    src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cargo-leptos-"$CARGO_LEPTOS_VERSION" | head -1)
    tmp=$(mktemp -d)
    cp -r "$src" "$tmp/cargo-leptos"
    (cd "$tmp/cargo-leptos" &&
      cargo update -p cargo-util-schemas --precise 0.14.1 &&
      cargo install --path . --locked --features no_downloads)
    rm -rf "$tmp"
  fi

  local wb
  wb=$(wasm_bindgen_version)
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
    say "installing wasm-bindgen-cli $wb"
    cargo install wasm-bindgen-cli --version "$wb" --force
  fi

  if ! command -v sass >/dev/null; then
    say "installing sass (npm)"
    as_root npm install -g sass
  fi
  if ! command -v wasm-opt >/dev/null; then
    # For `cargo leptos build --release`. Not Debian's binaryen 108: it breaks hydration.
    say "installing wasm-opt (npm binaryen)"
    as_root npm install -g binaryen
  fi
}

setup_test() {
  setup_build
  if ! command -v chromium >/dev/null; then
    say "installing Chromium (Debian)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
  if ! command -v cargo-nextest >/dev/null; then
    say "installing cargo-nextest"
    cargo install cargo-nextest --locked
  fi
  setup_coverage
  local e2e
  e2e="$(root_dir)/end2end"
  if [ ! -d "$e2e/node_modules/@playwright/test" ] ||
     [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
    say "installing end2end npm packages"
    (cd "$e2e" && npm ci --no-audit --no-fund)
  fi
  ensure_postgres
}

# cargo-llvm-cov (crates.io) and LLVM's profile tools matching rustc's LLVM:
# rustup's llvm-tools component, or else Debian's llvm-N of that version.
setup_coverage() {
  if ! cargo llvm-cov --version >/dev/null 2>&1; then
    say "installing cargo-llvm-cov"
    cargo install cargo-llvm-cov --locked
  fi
  local sysroot host
  sysroot=$(rustc --print sysroot)
  host=$(rustc -vV | sed -n 's/^host: //p')
  if [ -x "$sysroot/lib/rustlib/$host/bin/llvm-profdata" ]; then
    return
  fi
  if rustup component add llvm-tools-preview >/dev/null 2>&1; then
    return
  fi
  local major
  major=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
  if ! command -v "llvm-profdata-$major" >/dev/null; then
    say "installing llvm-$major (Debian) for coverage"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "llvm-$major"
  fi
  export LLVM_COV="/usr/bin/llvm-cov-$major" LLVM_PROFDATA="/usr/bin/llvm-profdata-$major"
}

ensure_postgres() {
  if ! command -v pg_isready >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    say "installing PostgreSQL (Debian)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
    # The tests connect as postgres over loopback without a password, as on
    # the machines this project is built on: trust loopback on this new
    # local server only.
    local hba
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | sort -V | tail -1)
    if [ -n "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    fi
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "starting PostgreSQL"
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
    if [ -n "$version" ]; then
      as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
}
