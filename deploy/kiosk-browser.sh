#!/bin/sh
# Optional: show the kiosk full screen on a screen plugged into the box itself.
# Started by `startx` from the console user's ~/.bash_profile (see docs/install-raspberry-pi.md).
# When Chromium closes, X closes, the console logs in again and this starts again.
URL="${RELAIS_URL:-http://127.0.0.1/}"
BROWSER="$(command -v chromium-browser || command -v chromium)"

xset s off -dpms s noblank 2>/dev/null          # the screen never goes blank
command -v unclutter >/dev/null && unclutter -idle 3 &

# Wait for the kiosk to answer (it indexes the courses at start-up).
for _ in $(seq 1 90); do
  python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1] + 'healthz', timeout=2)" "$URL" \
    2>/dev/null && break
  sleep 1
done

# --incognito: nothing a learner typed is kept by the browser for the next person. Pinch-to-zoom stays on:
# the touch-screen lesson asks learners to try it on this very screen.
exec "$BROWSER" --kiosk --incognito --noerrdialogs --disable-infobars --no-first-run \
  --disable-session-crashed-bubble --disable-features=Translate \
  --overscroll-history-navigation=0 --check-for-update-interval=31536000 "$URL"
