"""The look every pygal chart shares, the console dashboard's and the printed reports': fonts
that hold Chinese, colours and sizes, and the drawing cleaned of what pygal adds.

pygal writes a configuration ``<script>`` and comments naming its web site into every drawing;
:func:`clean` removes both, so a chart holds no script and refers to nothing but the SVG
namespaces (the console's pages allow no script; a printed report needs none).
"""

from __future__ import annotations

import re

from pygal.style import Style

#: Fonts that hold Chinese, then whatever the system has.
FONTS = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", '
    '"PingFang SC", sans-serif'
)
STYLE = Style(
    font_family=FONTS,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    colors=("#1d4f91", "#c2410c", "#15803d", "#7c3aed", "#0e7490"),
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    legend_font_size=12,
)

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def clean(svg: str) -> str:
    """The drawing without pygal's script and comments.

    >>> clean('<svg><!-- by pygal --><script type="text/javascript">x()</script><g/></svg>')
    '<svg><g/></svg>'
    """
    return _COMMENT.sub("", _SCRIPT.sub("", svg))


__all__ = ["FONTS", "STYLE", "clean"]
