"""StreamField blocks for knowledge-base articles.

Every block renders with its own small template under ``knowledgebase/blocks/``; nothing
renders inline styles or scripts (the public pages run under a strict CSP). Embeds render
as a link card instead of a third-party iframe for the same reason.
"""

from __future__ import annotations

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

INLINE_FEATURES = ["bold", "italic", "link", "code"]
RICH_FEATURES = ["bold", "italic", "link", "code", "ol", "ul", "h3", "h4", "hr", "document-link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Text"), max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Section (H2)")), ("h3", _("Sub-section (H3)"))],
        default="h2",
        label=_("Level"),
    )

    class Meta:
        icon = "title"
        template = "knowledgebase/blocks/heading.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["anchor"] = heading_anchor(value["text"])
        return context


class StepsBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), required=False, max_length=120)
    steps = blocks.ListBlock(
        blocks.RichTextBlock(features=INLINE_FEATURES), label=_("Steps"), min_num=1
    )

    class Meta:
        icon = "list-ol"
        template = "knowledgebase/blocks/steps.html"


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(
        choices=[
            ("text", _("Plain text")),
            ("shell", "Shell"),
            ("json", "JSON"),
            ("python", "Python"),
            ("http", "HTTP"),
        ],
        default="text",
    )
    code = blocks.TextBlock(label=_("Code"))

    class Meta:
        icon = "code"
        template = "knowledgebase/blocks/code.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("tip", _("Tip")), ("note", _("Note")), ("warning", _("Warning"))],
        default="tip",
    )
    body = blocks.RichTextBlock(features=INLINE_FEATURES)

    class Meta:
        icon = "warning"
        template = "knowledgebase/blocks/callout.html"


class FigureBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=200)
    alt = blocks.CharBlock(
        required=False, max_length=200, help_text=_("Describe the image for screen readers.")
    )

    class Meta:
        icon = "image"
        template = "knowledgebase/blocks/figure.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(help_text=_("A YouTube or Vimeo address."))
    title = blocks.CharBlock(max_length=120)

    class Meta:
        icon = "media"
        template = "knowledgebase/blocks/video.html"


class ArticleBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(features=RICH_FEATURES, label=_("Text"))
    heading = HeadingBlock(label=_("Heading"))
    steps = StepsBlock(label=_("Numbered steps"))
    code = CodeBlock(label=_("Code"))
    callout = CalloutBlock(label=_("Callout"))
    image = FigureBlock(label=_("Image"))
    video = VideoBlock(label=_("Embedded video"))
    table = TableBlock(label=_("Table"), template="knowledgebase/blocks/table.html")

    class Meta:
        block_counts = {}


def heading_anchor(text: str) -> str:
    return "h-" + (slugify(text)[:60] or "section")
