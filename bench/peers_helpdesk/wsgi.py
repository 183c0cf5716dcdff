"""WSGI entry point of the peer project (gunicorn ``bench.peers_helpdesk.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peers_helpdesk.settings")
application = get_wsgi_application()
