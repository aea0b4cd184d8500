"""HTML pages of `kg serve`: small Jinja2 templates (kg/templates/web/) with autoescaping on.

Every string from a source reaches the page escaped by the template engine; the only values
marked safe are JSON blocks made by `script_json` (no `<`, `>` or `&` left in them), which sit in
`<script type="application/...json">` data blocks the browser never runs. Pages carry no inline
script or style, so the server's Content-Security-Policy can forbid both (kg.web.app.CSP).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "web"
STATIC = Path(__file__).resolve().parent / "static"


@lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # compiled once per process (a restart brings changed templates): no stat() of 3 files a page
    )
    return env


def compile_templates() -> None:
    """Every page template compiled now (Jinja2 keeps them), so no first visit pays for it."""
    env = environment()
    for path in sorted(TEMPLATES.glob("*.html")):
        env.get_template(path.name)


def render(name: str, **values) -> str:
    return environment().get_template(name).render(**values)


def source_page(g, sid: str, folders: list[Path], generation: str) -> str:
    """A source's page (its text with every quote marked), made once per generation: at start-up
    for the sources whose text is at hand (kg.web.views.warm), else on the first visit."""
    from kg.web import views

    def make() -> str:
        view = views.source_view(g, sid, folders)
        return render("source.html", s=view["source"], v=view, generation=generation)

    return views._memo(g, f"web-source-page-{sid}", make)


def script_json(data) -> str:
    """JSON safe inside a <script> data block: no '</script>', no HTML comment or CDATA tricks."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def class_url(name: str, params: dict, **changes) -> str:
    """The class page URL with some parameters changed (None removes one); for sort links and facets."""
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    order = ("sort", "order", "source", "sub", "page", "format")
    query = urlencode([(k, merged[k]) for k in order if k in merged])
    return f"/class/{name}" + (f"?{query}" if query else "")


def with_prefixes(text: str, prefixes: dict[str, str]) -> str:
    """A query with PREFIX lines added for the predeclared prefixes it uses but does not declare,
    so the editor's syntax check (which knows no server-side prefixes) accepts it."""
    import re

    declared = {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", text)}
    used = {m.group(1) for m in re.finditer(r"(?<![\w<:#/])([A-Za-z][\w-]*):[A-Za-z_\d]", text)}
    missing = [p for p in prefixes if p in used and p not in declared]
    lines = [f"PREFIX {p}: <{prefixes[p]}>" for p in missing]
    return "\n".join(lines + [text]) if lines else text
