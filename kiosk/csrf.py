"""The kiosk's CSRF protection: one object, initialised by the app factory; the pack upload exempts
itself and checks its token by hand once the upload's own size limit is raised."""
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
