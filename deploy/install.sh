#!/bin/sh
# Install or update Relais as a service on Raspberry Pi OS / Debian, without a web server in front.
# Run from the unpacked code: sudo sh /opt/relais/deploy/install.sh   (safe to run again to update)
set -eu
APP=/opt/relais
STATE=/var/lib/relais

[ "$(id -u)" = 0 ] || { echo "Please run with sudo."; exit 1; }
[ -f "$APP/run.py" ] || { echo "Put the Relais code in $APP first."; exit 1; }

python3 -c "import ensurepip" 2>/dev/null || apt-get install -y python3-venv
# The voice that reads lessons aloud, and its encoder (docs/narration.md): Raspberry Pi OS's own packages.
command -v espeak-ng >/dev/null && command -v opusenc >/dev/null || apt-get install -y espeak-ng opus-tools

# The service's own user: no password, no shell, no home of its own outside its data.
id relais >/dev/null 2>&1 || adduser --system --group --home "$STATE" --no-create-home relais
install -d -o relais -g relais -m 750 "$STATE" "$STATE/data" "$STATE/tmp"

# The code stays owned by root: the service can read it, not change it.
[ -x "$APP/.venv/bin/python" ] || python3 -m venv "$APP/.venv"
"$APP/.venv/bin/pip" install --quiet --disable-pip-version-check -e "$APP"
"$APP/.venv/bin/pybabel" compile -d "$APP/locales" >/dev/null

# First install only: start with the demo courses (a content pack replaces them later).
if [ ! -e "$STATE/content" ]; then
  cp -r "$APP/content" "$STATE/content"
  chown -R relais:relais "$STATE/content"
fi

install -m 644 "$APP/deploy/relais.service" "$APP/deploy/relais-backup.service" \
  "$APP/deploy/relais-backup.timer" /etc/systemd/system/
install -m 755 "$APP/deploy/relais" /usr/local/bin/relais
systemctl daemon-reload
systemctl enable relais.service relais-backup.timer
systemctl restart relais.service
systemctl start relais-backup.timer
echo "Relais is running. Set-up code for the first facilitator: journalctl -u relais | grep set-up"
