# Sourced (`. scripts/revision.sh`) by the scripts that compare this checkout with another
# revision side by side (bench/cli/startup.sh, bench/training/against-rev.sh,
# scripts/engine/seeded-runs.sh):
#
#   checkout_revision ROOT REV DIR   checks REV out into DIR (a detached worktree of ROOT's
#                                    repository sharing ROOT's node_modules), removes it again when
#                                    the calling script exits (an EXIT trap), and builds it
#                                    (electron-vite, into DIR/out; log in DIR.build.log); builds
#                                    ROOT too when it was never built. Fails with the log on stderr.

checkout_revision() {
  git -C "$1" worktree add --detach "$3" "$2" >/dev/null 2>&1 || { echo "cannot check out $2 into $3" >&2; return 1; }
  trap "git -C '$1' worktree remove --force '$3'" EXIT
  ln -s "$1/node_modules" "$3/node_modules"
  echo "building $2 in $3" >&2
  (cd "$3" && node node_modules/electron-vite/bin/electron-vite.js build >"$3.build.log" 2>&1) || { cat "$3.build.log" >&2; return 1; }
  [ -f "$1/out/main/cli.js" ] || (cd "$1" && node scripts/build.mjs)
}
