#!/usr/bin/env bash
# Prints every HTML invoice of an `invoice` output folder to PDF with headless Chromium
# (Debian's `chromium`; scripts/setup installs it): OUT_INVOICE/invoices/NAME.html becomes
# OUT_INVOICE.pdf/invoices/NAME.pdf, and OUT_INVOICE/corrections/NAME.html becomes
# OUT_INVOICE.pdf/corrections/NAME.pdf. The PDFs go to that sibling folder (or DIR with --to),
# never into OUT_INVOICE itself: its manifest lists every file it holds and `invoice verify`
# reports any other file as unlisted. The folder is replaced whole, so it holds exactly the
# PDFs of the HTML invoices there are now; one that holds anything else is refused (exit 1).
#
# Each PDF's creation and modification dates are set to its invoice's issue date (midnight
# UTC, from NAME.json): Chromium stamps the wall clock and ignores SOURCE_DATE_EPOCH, and with
# the dates fixed the same HTML gives the same PDF bytes with the same Chromium and fonts.
#
# --png NAME also takes a screenshot of invoices/NAME.html (A4 width at 96 dpi, 1200 pixels
# high) into DIR/invoices/NAME.png; the README's picture is made so.
#
# Usage: pipelines/render-pdf.sh OUT_INVOICE [--to DIR] [--png NAME]
# Environment: CHROMIUM, the browser binary (default: chromium on PATH); RENDER_PDF_JOBS, how
# many pages print at once (default 2).
# Exit: 0 rendered, 1 usage (also: Chromium or python3 not installed), 3 OUT_INVOICE not a
# readable invoice folder or a page Chromium could not print.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() { sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; }

folder="" target="" png=""
while [ $# -gt 0 ]; do
  case "$1" in
    --to) [ $# -ge 2 ] || die "--to needs a folder"; target=$2; shift 2 ;;
    --png) [ $# -ge 2 ] || die "--png needs an invoice name such as cus_2"; png=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (usage: render-pdf.sh OUT_INVOICE [--to DIR] [--png NAME])" ;;
    *) [ -z "$folder" ] || die "one OUT_INVOICE folder only (got $folder and $1)"
       folder=$1; shift ;;
  esac
done
[ -n "$folder" ] || die "usage: render-pdf.sh OUT_INVOICE [--to DIR] [--png NAME]"
folder=${folder%/}
[ -n "$folder" ] || folder=/
case "$png" in
  */*|.*) die "--png takes an invoice name such as cus_2, not a path: $png" ;;
esac

[ -d "$folder" ] && [ -r "$folder" ] && [ -x "$folder" ] \
  || die "$folder: not a readable folder (give an \`invoice\` output folder)" 3
[ -f "$folder/manifest.json" ] && [ -d "$folder/invoices" ] \
  || die "$folder: no manifest.json and invoices/ here; is it an \`invoice\` output folder?" 3
if [ -n "$png" ] && [ ! -f "$folder/invoices/$png.html" ]; then
  die "--png $png: no $folder/invoices/$png.html" 1
fi

source_folder=$(cd "$folder" && pwd -P)
[ -n "$target" ] || target="$source_folder.pdf"
target=$(realpath -m -- "$target")
case "$target" in "$source_folder"|"$source_folder"/*)
  die "--to $target is inside $folder; its manifest would not list the PDFs" ;;
esac
# The target is replaced whole, so it must be new or an earlier render: never a folder that
# holds anything else (a mistyped --to of a home or data folder would be deleted).
if [ -e "$target" ] || [ -L "$target" ]; then
  [ -d "$target" ] && [ ! -L "$target" ] \
    || die "--to $target exists and is not a folder of PDFs; choose a new folder"
  other=$(find "$target" -mindepth 1 ! -path "$target/invoices" ! -path "$target/corrections" \
    ! -path "$target/invoices/*.pdf" ! -path "$target/invoices/*.png" \
    ! -path "$target/corrections/*.pdf" -print -quit)
  [ -z "$other" ] || die "$target holds $other, which is not an earlier render's PDF: it would \
be deleted; choose a new folder or empty that one"
fi

# CHROMIUM names another browser binary (Google Chrome, a Chromium of one's own).
chromium=${CHROMIUM:-$(command -v chromium || true)}
[ -n "$chromium" ] && [ -x "$chromium" ] \
  || die "chromium is not installed${CHROMIUM:+ at $CHROMIUM}: run scripts/setup (it installs \
Debian's chromium)"
command -v python3 >/dev/null 2>&1 || die "python3 is not installed: run scripts/setup"

# Everything is written into a fresh folder next to the target, then put in its place, so a
# failed or interrupted run leaves the previous PDFs (or none), never a half set.
parent=$(dirname "$target")
mkdir -p "$parent"
work=$(mktemp -d "$parent/.render-pdf.XXXXXX")
trap 'rm -rf "$work"' EXIT

# render INPUT OUTPUT FLAGS…: one Chromium run with a profile of its own (parallel
# runs never share a profile lock), stopped after two minutes (a page prints in seconds; a hung
# browser must not hang a nightly job). Chromium's chatter (D-Bus, GPU) goes to a log shown only
# when the page did not print.
render() {
  local input=$1 output=$2 profile log url
  shift 2
  # A file: URL with the path percent-encoded: a folder name with a space, # or ? still works.
  url=$(python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).as_uri())' "$input")
  profile=$(mktemp -d "$work/.profile.XXXXXX")
  log="$profile.log"
  if ! timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$profile" --hide-scrollbars "$@" "$url" >"$log" 2>&1 \
      || [ ! -s "$output" ]; then
    echo "render-pdf.sh: Chromium could not print $input:" >&2
    grep -v -e 'dbus' -e 'unexpected operator' "$log" | tail -n 20 >&2 || true
    return 1
  fi
  rm -rf "$profile" "$log"
}

# fix_dates PDF JSON: the PDF's /CreationDate and /ModDate become the invoice's issue date.
# The replacement has the same length, so the cross-reference offsets stay right.
fix_dates() {
  python3 - "$1" "$2" <<'PY'
import json, re, sys
pdf, invoice = sys.argv[1], sys.argv[2]
try:
    issue = json.load(open(invoice, encoding="utf-8")).get("issue_date", "")
except (OSError, ValueError) as error:
    sys.exit(f"render-pdf.sh: {invoice}: cannot read the issue date: {error}")
if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", issue):
    sys.exit(f"render-pdf.sh: {invoice}: no issue_date YYYY-MM-DD to date the PDF with")
stamp = ("D:" + issue.replace("-", "") + "000000+00'00'").encode()
data = open(pdf, "rb").read()
fixed, count = re.subn(rb"/(CreationDate|ModDate) \(D:\d{14}[+\-Z][0-9']*\)",
                       lambda m: b"/" + m.group(1) + b" (" + stamp + b")", data, count=2)
if count != 2 or len(fixed) != len(data):
    sys.exit(f"render-pdf.sh: {pdf}: no /CreationDate and /ModDate of the shape Chromium writes")
open(pdf, "wb").write(fixed)
PY
}

# print_one KIND NAME: one invoice's PDF, dated.
print_one() {
  local pdf="$work/$1/$2.pdf"
  render "$source_folder/$1/$2.html" "$pdf" --no-pdf-header-footer --print-to-pdf="$pdf" \
    && fix_dates "$pdf" "$source_folder/$1/$2.json"
}

# Two Chromium runs at a time (RENDER_PDF_JOBS to change): most of a run's time is Chromium
# starting up and waiting, so two overlap well even on two cores.
jobs=${RENDER_PDF_JOBS:-2}
case "$jobs" in ''|*[!0-9]*|0) die "RENDER_PDF_JOBS must be a positive whole number" ;; esac
started=$(date +%s)
count=0 running=0 failed=0
for kind in invoices corrections; do
  [ -d "$source_folder/$kind" ] || continue
  mkdir -p "$work/$kind"
  for html in "$source_folder/$kind"/*.html; do
    [ -e "$html" ] || continue
    if [ "$running" -ge "$jobs" ]; then
      wait -n || failed=1
      running=$((running - 1))
    fi
    print_one "$kind" "$(basename "$html" .html)" &
    running=$((running + 1)) count=$((count + 1))
  done
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
[ "$failed" -eq 0 ] || exit 3
if [ -n "$png" ]; then
  shot="$work/invoices/$png.png"
  render "$source_folder/invoices/$png.html" "$shot" --window-size=794,1200 \
    --screenshot="$shot" || exit 3
fi

rm -rf "$target"
chmod 755 "$work"
mv "$work" "$target"
trap - EXIT
echo "render-pdf: $count PDF(s) in $target ($(( $(date +%s) - started )) s)"
