# Shared by the pipelines/ scripts (sourced, not run).
#
# The executables: $RATEBOOK_BIN/rate and $RATEBOOK_BIN/invoice when RATEBOOK_BIN is set (an
# installation, or the tests' fresh build), else this checkout's release build (built on first
# use). Never whatever `rate` happens to be on PATH: another program may have that name.
ratebook_bin() {
  if [ -n "${RATEBOOK_BIN:-}" ]; then
    echo "$RATEBOOK_BIN"
  else
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    if [ ! -x "$root/.build/release/rate" ] || [ ! -x "$root/.build/release/invoice" ]; then
      echo "building rate and invoice (release, once)…" >&2
      (cd "$root" && swift build -c release --product rate >&2 \
        && swift build -c release --product invoice >&2)
    fi
    echo "$root/.build/release"
  fi
}

# die MESSAGE [STATUS]: prints the message on standard error and exits (default status 1).
die() {
  echo "$(basename "$0"): $1" >&2
  exit "${2:-1}"
}
