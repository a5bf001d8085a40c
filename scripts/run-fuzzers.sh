#!/bin/sh
# Runs every fuzz target in $1 for $2 seconds on its seed corpus.
set -eu
dir=$1; secs=$2
for f in "$dir"/*_fuzz; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus=tests/fuzz/corpus/${name%_fuzz}
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
  echo "fuzzing $name for ${secs}s"
  "$f" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 "$work" >/tmp/"$name".log 2>&1 || {
    tail -50 /tmp/"$name".log; exit 1; }
  tail -1 /tmp/"$name".log
  rm -rf "$work"
done
