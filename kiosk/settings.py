"""Every kiosk setting, declared once as data: name, default and a line of help.

Resolved by sync.base.settings: the app factory's test_config, then a RELAIS_<NAME> environment
variable, then the default. The README's settings table lists the same names (a test checks).
SYNC_SETTINGS are looked up when sync needs them (`kiosk.syncing.setting`), so a kiosk that is not
enrolled never reads them.
"""
from __future__ import annotations

from sync.base.settings import Setting
from sync.base.settings import resolve as _resolve

SETTINGS = [
    Setting("CONTENT_DIR", "content", "Folder of courses the kiosk serves."),
    Setting("DATA_DIR", "data", "Folder for the database, resized pictures and the kiosk's secrets."),
    Setting("DEFAULT_LANGUAGE", "fr", "Language used when neither the learner nor the browser chooses one, and on the kiosk's own screen."),
    Setting("KIOSK_SCREEN", "127.0.0.1 ::1", "Addresses (separated by spaces) of the kiosk's own screen, greeted in DEFAULT_LANGUAGE whatever its browser says (empty: every device in its browser's language)."),
    Setting("IDLE_MINUTES", 10, "Minutes without activity before a learner is logged out."),
    Setting("FACILITATOR_IDLE_MINUTES", 30, "Minutes without use before a facilitator is signed out."),
    Setting("KIOSK_NAME", "Relais", "Name shown at the top of every page."),
    Setting("CENTRE_NAME", "", "Name of the centre, printed on certificates and reports."),
    Setting("PIN_MAX_TRIES", 5, "Wrong PINs in a row before that learner must wait."),
    Setting("PIN_LOCK_MINUTES", 5, "How long a learner waits after too many wrong PINs."),
    Setting("KIOSK_PIN_LIMIT", 30, "Wrong PINs per minute on the whole kiosk before everyone must wait."),
    Setting("SETUP_CODE", "", "Code that opens the first-run set-up page from another device (empty: a new random one at each start, printed by serve)."),
    Setting("PACK_UPLOAD_LIMIT", 512 * 1024 * 1024, "Largest content pack, in bytes, a facilitator may upload (bigger ones travel on a USB stick)."),
    Setting("PACK_USB_ROOTS", ("/media", "/mnt", "/run/media"), "Folders where the Content packs, Sync and Backups pages look for USB sticks (separated by ':')."),
    Setting("SERVER_CONNECTION_LIMIT", 1000, "Connections the kiosk holds at once, finished requests or not (waitress's own default, 100, lets one phone stall it)."),
    Setting("SERVER_CHANNEL_TIMEOUT", 30, "Seconds a connection may stay silent, mid-request or idle, before the kiosk closes it."),
    Setting("NARRATION", "auto", "Make spoken clips of every step and question after indexing: auto (yes, except under TESTING), yes or no."),
    Setting("NARRATION_VOICES", "", "Folder of Piper voices (.onnx with its .onnx.json) a centre installed (empty: voices in the data folder)."),
    Setting("NARRATION_PIPER", "piper", "The Piper command used when a voice for the language is in the voices folder."),
    Setting("ACTIVITY_PLACE_TYPE", "lieu_activite", "The centre's place type in the activity export, as the Coop writes it: lieu_activite, domicile, a_distance or autre."),
    Setting("ACTIVITY_DEVICE", "ordinateur", "The device learners use, in the activity export, as the Coop writes it: ordinateur, tablette, telephone or autre."),
]

SYNC_SETTINGS = [
    Setting("SYNC_INTERVAL", 60.0, "Seconds between checks for new events to send to the hub."),
    Setting("SYNC_BATCH", 500, "Events per upload to the hub."),
    Setting("SYNC_BACKOFF_CAP", 900.0, "Longest wait, in seconds, between two tries when the hub does not answer."),
    Setting("SYNC_BACKGROUND", "auto", "Push in the background when enrolled: auto (yes, except under TESTING), yes or no."),
    Setting("SYNC_DAILY_BUDGET_MB", 0.0, "Megabytes a day that sync may use, progress and content updates together (0: no limit)."),
    Setting("SYNC_WINDOW", "", "Hours when sync may use the link, for example 20:00-07:00 (empty: any time)."),
    Setting("CONTENT_UPDATES", "yes", "Fetch and install the courses the hub publishes for this kiosk: yes or no."),
    Setting("ROAMING", "network", "Learners' cards follow them to every kiosk of the network (from the hub): network or off."),
    Setting("CONTENT_CHECK_HOURS", 1.0, "Hours between two questions to the hub about new courses (each upload's answer also tells)."),
]


def resolve(overrides: dict | None = None) -> dict:
    """The value of each kiosk setting (not the sync ones)."""
    return _resolve(SETTINGS, overrides)
