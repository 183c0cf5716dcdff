"""The one internal extension point (see DESIGN.md).

``interaction_recorded`` is sent after the recording transaction commits, with
``interaction`` (the saved row). ``loyalty`` listens to it; nothing else should.
"""

from django.dispatch import Signal

interaction_recorded = Signal()
