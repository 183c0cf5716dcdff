"""Reading inbound email for the email channel: ``parse`` (one message to what the intake
service needs), ``text`` (HTML to text, quote and signature stripping), ``auto``
(auto-replies and bounces). The intake itself is ``tickets.services.intake``."""

from tickets.email.parse import MailParseError, MailPart, ParsedMail, dedup_key, parse_message

__all__ = ["MailParseError", "MailPart", "ParsedMail", "dedup_key", "parse_message"]
