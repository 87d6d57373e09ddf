#!/usr/bin/env bash
# make pi-check: install Relais as a volunteer would on a fresh 64-bit Raspberry Pi OS, in an emulated
# arm64 Debian bookworm root (debootstrap + qemu-user-static), and check that `make run` serves the demo
# courses. Needs root and Debian's packages: apt-get install -y debootstrap qemu-user-static binfmt-support
# Not part of CI: it takes many minutes under emulation. See docs/install-raspberry-pi.md.
#   PI_CHECK_CACHE   where the arm64 root is kept between runs (default /var/cache/relais-pi-check)
#   PI_CHECK_SOURCE  head (default: git archive of HEAD) or worktree (the files as they are, minus .gitignore's)
#   PI_CHECK_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#   PI_CHECK_PORT    port the kiosk listens on inside the root (default 18080; the root shares this machine's network)
set -euo pipefail

CACHE=${PI_CHECK_CACHE:-/var/cache/relais-pi-check}
SOURCE=${PI_CHECK_SOURCE:-head}
MIRROR=${PI_CHECK_MIRROR:-http://deb.debian.org/debian}
PORT=${PI_CHECK_PORT:-18080}
SUITE=bookworm
BASE=$CACHE/base-$SUITE-arm64.tar       # the freshly bootstrapped root, unpacked anew for every run
ROOT=$CACHE/root                        # this run's root: a fresh "card" every time
REPO=$(cd "$(dirname "$0")/.." && pwd)
APP=/home/pi/relais
LOG=$CACHE/run.log
SERVER_PID=
MOUNTS=()
RUN_START=$(date +%s)

die() { echo "pi-check: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot and mounts): run it as root, e.g. sudo make pi-check"
for tool in debootstrap qemu-aarch64-static curl; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install -y debootstrap qemu-user-static binfmt-support curl"
done
mkdir -p "$CACHE"

# Each phase is printed with its duration; the summary at the end repeats them.
SUMMARY=()
PHASE='' PHASE_START=''
phase() {
  end_phase
  PHASE=$1 PHASE_START=$(date +%s)
  echo "== $PHASE"
}
end_phase() {
  if [ -n "$PHASE" ]; then
    local took=$(( $(date +%s) - PHASE_START ))
    echo "== $PHASE: ${took} s"
    SUMMARY+=("$(printf '%-42s %5d s' "$PHASE" "$took")")
    PHASE=
  fi
}

cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -- "-$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  local i
  for (( i=${#MOUNTS[@]}-1; i>=0; i-- )); do
    umount -l "${MOUNTS[i]}" 2>/dev/null || true
  done
  [ "$status" = 0 ] || echo "pi-check: FAILED during '${PHASE:-setup}'${SERVER_PID:+ (output of make run: $LOG)}" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_into() {     # mount_into TYPE SOURCE TARGET [OPTIONS]
  mkdir -p "$3"
  mount -t "$1" ${4:+-o "$4"} "$2" "$3"
  MOUNTS+=("$3")
}

# How arm64 programs run here: the kernel's binfmt_misc hands them to qemu (every program a command starts is
# emulated too), or, without it, only the first program can be started through qemu explicitly.
binfmt_ready() { [ "$(head -1 /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null)" = enabled ]; }
if ! binfmt_ready; then
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  update-binfmts --enable qemu-aarch64 2>/dev/null || true
fi
# Commands in the root start from a clean environment, as in a fresh shell on the Pi (not this machine's settings).
ROOT_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
          DEBIAN_FRONTEND=noninteractive)
if binfmt_ready; then
  echo "arm64 programs run through binfmt_misc (qemu-aarch64-static, user-mode emulation)"
  in_root() { chroot "$ROOT" "${ROOT_ENV[@]}" "$@"; }
else
  echo "binfmt_misc is not available: running through /usr/bin/qemu-aarch64-static explicitly"
  echo "(only the first program is emulated; make starting python3 will fail without binfmt)"
  in_root() {
    cp /usr/bin/qemu-aarch64-static "$ROOT/usr/bin/"
    chroot "$ROOT" /usr/bin/qemu-aarch64-static /usr/bin/env -i "${ROOT_ENV[@]:2}" "$@"
  }
fi

if [ ! -f "$BASE" ]; then
  phase "debootstrap (first stage, download)"
  rm -rf "$CACHE/bootstrap"
  # minbase plus what Raspberry Pi OS Lite already has and `make run` relies on: python3 and make.
  debootstrap --arch=arm64 --foreign --variant=minbase --include=python3,make,ca-certificates \
    "$SUITE" "$CACHE/bootstrap" "$MIRROR"
  phase "debootstrap (second stage, emulated)"
  ROOT=$CACHE/bootstrap in_root /debootstrap/debootstrap --second-stage
  echo "deb $MIRROR $SUITE main" > "$CACHE/bootstrap/etc/apt/sources.list"
  tar -C "$CACHE/bootstrap" -cf "$BASE.part" . && mv "$BASE.part" "$BASE"
  rm -rf "$CACHE/bootstrap"
else
  echo "Reusing the bootstrapped root $BASE (delete it to bootstrap again)"
fi

phase "fresh root from the cache"
# A run stopped hard (kill -9) can leave this machine's /dev and /proc mounted in the old root: never delete
# through them.
{ grep -o " $ROOT/[^ ]*" /proc/mounts || true; } | sort -r | while read -r mounted; do umount -l "$mounted"; done
rm -rf --one-file-system "$ROOT"
mkdir -p "$ROOT"
tar -C "$ROOT" -xf "$BASE"
mount_into proc proc "$ROOT/proc"
mount_into sysfs sys "$ROOT/sys"
mkdir -p "$ROOT/dev"; mount --bind /dev "$ROOT/dev"; MOUNTS+=("$ROOT/dev")
mount_into devpts devpts "$ROOT/dev/pts" newinstance,ptmxmode=0666
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# A network that inspects HTTPS (a proxy with its own certificate authority, as here or in some centres) is
# trusted by this machine through /usr/local/share/ca-certificates: the root trusts the same, or pip fails.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  in_root update-ca-certificates >/dev/null
  ROOT_ENV+=(PIP_CERT=/etc/ssl/certs/ca-certificates.crt)
  echo "the root trusts this machine's extra certificate authorities too:" /usr/local/share/ca-certificates/*.crt
fi

phase "copy the Relais code ($SOURCE)"
mkdir -p "$ROOT$APP"
if [ "$SOURCE" = head ]; then
  git -C "$REPO" archive --format=tar HEAD | tar -C "$ROOT$APP" -xf -
else
  # The files as they are now, tracked or new, without what .gitignore leaves out (.venv, data, caches).
  git -C "$REPO" ls-files -z --cached --others --exclude-standard \
    | tar -C "$REPO" --null --ignore-failed-read -T - -cf - | tar -C "$ROOT$APP" -xf -
fi

# As on the card: first `sudo apt update` (docs/install-raspberry-pi.md), then `make run`, which installs
# python3-venv itself if it is missing. make's steps are run one after the other to time each one.
echo "inside the root: $(in_root uname -m), $(in_root python3 --version), $(in_root sed -n 's/^PRETTY_NAME=//p' /etc/os-release)"

phase "apt update"
in_root apt-get update -q

phase "make: python3-venv (apt) and the venv"
in_root env -C "$APP" make --no-print-directory .venv/bin/python

phase "make: pip install (downloads)"
in_root env -C "$APP" make --no-print-directory .venv/.installed

phase "make run: translations and first page"
! curl -s -o /dev/null "http://127.0.0.1:$PORT/" || die "port $PORT is already in use here: PI_CHECK_PORT=another make pi-check"
( cd / && exec setsid chroot "$ROOT" "${ROOT_ENV[@]}" PORT="$PORT" env -C "$APP" make --no-print-directory run ) > "$LOG" 2>&1 &
SERVER_PID=$!
until curl -fs -o /dev/null "http://127.0.0.1:$PORT/"; do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG" >&2; die "make run stopped before answering"; }
  [ $(( $(date +%s) - PHASE_START )) -lt 900 ] || die "no answer on port $PORT after 15 minutes"
  sleep 2
done

phase "check the pages served"
JAR=$CACHE/cookies
rm -f "$JAR"
get() { curl -sS -b "$JAR" -c "$JAR" -H 'Accept-Language: en' -w '%{http_code}' -o "$CACHE/page.html" "$@"; }
status=$(get "http://127.0.0.1:$PORT/")
[ "$status" = 200 ] || die "/ answered $status"
echo "/ answered 200 ($(wc -c < "$CACHE/page.html") bytes)"
# A learner's card, as a newcomer makes one, then the catalogue, a course and its first lesson.
get "http://127.0.0.1:$PORT/new" >/dev/null
token=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' "$CACHE/page.html" | head -1)
[ -n "$token" ] || die "no form on /new"
get -L -d "csrf_token=$token" -d "name=Pi Check" -d "picture=sun" "http://127.0.0.1:$PORT/new" >/dev/null
status=$(get "http://127.0.0.1:$PORT/courses")
[ "$status" = 200 ] || die "/courses answered $status"
# The kiosk may answer in its own default language rather than the browser's: compare in the page's language.
lang=$(grep -o '<html lang="[^"]*"' "$CACHE/page.html" | head -1 | cut -d'"' -f2)
for folder in "$ROOT$APP"/content/*/; do
  course=$folder/course.${lang:-en}.yml
  [ -f "$course" ] || course=$folder/course.yml
  title=$(sed -n 's/^title: *//p' "$course" | head -1)
  grep -qF "$title" "$CACHE/page.html" || die "the catalogue does not show the course '$title'"
  echo "catalogue ($lang) shows: $title"
done
course=$(grep -o 'href="/courses/[^"/]*"' "$CACHE/page.html" | head -1 | cut -d'"' -f2)
get "http://127.0.0.1:$PORT$course" >/dev/null
lesson=$(grep -o 'href="/courses/[^"/]*/[^"?/]*"' "$CACHE/page.html" | head -1 | cut -d'"' -f2)
[ -n "$lesson" ] || die "the course page $course links to no lesson"
status=$(get "http://127.0.0.1:$PORT$lesson")
[ "$status" = 200 ] || die "$lesson answered $status"
heading=$(grep -o '<h1[^>]*>[^<]*' "$CACHE/page.html" | head -1 | sed 's/<h1[^>]*>//')
echo "lesson $lesson answered 200: ${heading:-(no heading)}"

phase "stop the kiosk"
kill -- "-$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
end_phase

echo
echo "pi-check passed: make run serves the demo courses in an emulated arm64 Debian $SUITE root"
printf '  %s\n' "${SUMMARY[@]}"
printf '  %-42s %5d s\n' total $(( $(date +%s) - RUN_START ))
