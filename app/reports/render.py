"""Render a report context as HTML (in the app) or PDF (WeasyPrint), from the same template.

WeasyPrint gets plain data only (the dumped report context) and a URL fetcher that serves
the app's own static files and refuses everything else: no file:, no network.
"""

from __future__ import annotations

import io
import mimetypes
import re
from functools import lru_cache
from typing import Any

import pikepdf
from flask import render_template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.paths import STATIC_DIR

#: Base URL the PDF's relative links resolve against; only the fetcher below answers it.
PDF_BASE = "https://rapport.bibob.invalid/"
STATIC_PREFIX = PDF_BASE + "static/"


class RefusedResource(ValueError):
    """A report tried to load something other than the app's own static files."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `static/` files for WeasyPrint; refuses every other URL (file:, http:, data:, …)."""

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if not url.startswith(STATIC_PREFIX):
            raise RefusedResource(f"geweigerd: {url}")
        relative = url[len(STATIC_PREFIX) :].split("?")[0].split("#")[0]
        path = (STATIC_DIR / relative).resolve()
        if not path.is_relative_to(STATIC_DIR.resolve()) or not path.is_file():
            raise RefusedResource(f"geweigerd: {url}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})


def render_report_html(context: dict[str, Any], for_pdf: bool = False, links: dict[str, str] | None = None) -> str:
    """The report page; `for_pdf` points assets at the PDF base instead of the web app."""
    return render_template(
        "report/report.html", r=context, for_pdf=for_pdf, links=links or {}, static_prefix=STATIC_PREFIX
    )


REPORT_CSS = "report.css"


@lru_cache(maxsize=1)
def _font_config() -> FontConfiguration:
    """One font configuration per process, so fonts are looked up once, not per report."""
    return FontConfiguration()


@lru_cache(maxsize=4)
def _stylesheet(mtime_ns: int) -> CSS:
    """The report stylesheet, parsed once per version of the file (parsing costs ~0.1 s a render)."""
    return CSS(url=STATIC_PREFIX + REPORT_CSS, url_fetcher=StaticOnlyFetcher(), font_config=_font_config())


def render_report_pdf(context: dict[str, Any]) -> bytes:
    """The report as PDF bytes (needs an app context for the template)."""
    return html_to_pdf(render_report_html(context, for_pdf=True))


def render_brief_html(context: dict[str, Any], for_pdf: bool = False, links: dict[str, str] | None = None) -> str:
    """The TOV controle brief page; the same template makes its PDF."""
    return render_template(
        "controle/brief.html", b=context, for_pdf=for_pdf, links=links or {}, static_prefix=STATIC_PREFIX
    )


def render_brief_pdf(context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_brief_html(context, for_pdf=True))


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of a page made for print, with the report stylesheet and only our own static files."""
    stylesheet = _stylesheet((STATIC_DIR / REPORT_CSS).stat().st_mtime_ns)
    document = HTML(string=html, base_url=PDF_BASE, url_fetcher=StaticOnlyFetcher())
    # PDF/UA-1: tagged (structure tree, MarkInfo), with the document language and title (from <html lang>, <title>).
    pdf = document.write_pdf(stylesheets=[stylesheet], font_config=_font_config(), pdf_variant=PDF_VARIANT)
    return running_elements_as_artifacts(pdf or b"")


def running_elements_as_artifacts(data: bytes) -> bytes:
    """Mark the running header and footer (CONCEPT, "Pagina x van y", version) as pagination artifacts.

    WeasyPrint gives the content of the page-margin boxes marked-content ids whose structure elements it
    keeps out of the structure tree (PDF/UA-1 has no artifact element). Such content is neither real
    content in the tree nor an artifact (ISO 14289-1 §7.1, Matterhorn 01-00x). Here each of those
    sequences becomes `/Artifact <</Type /Pagination>> BDC` and its parent-tree entry is dropped, so every
    piece of every page is either reachable from the structure tree or an artifact.
    """
    if not data:
        return data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return data
        in_tree = _structure_elements(root)
        parent_tree = dict(zip(root.ParentTree.Nums[0::2], root.ParentTree.Nums[1::2], strict=True))
        for page in pdf.pages:
            marked = parent_tree.get(page.obj.get("/StructParents"))
            if not isinstance(marked, pikepdf.Array):
                continue
            outside = {i for i, element in enumerate(marked) if element.is_indirect and element.objgen not in in_tree}
            if outside:
                page.Contents = pdf.make_stream(_as_artifacts(page.Contents.read_bytes(), outside))
                for mcid in outside:
                    marked[mcid] = None  # PDF null: no structure element
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


def _structure_elements(root) -> set[tuple[int, int]]:
    """The object ids of every structure element reachable from the structure tree root."""
    seen: set[tuple[int, int]] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/S") is not None and kid.objgen not in seen:
                seen.add(kid.objgen)
                pending.append(kid)
    return seen


#: A tagged marked-content sequence as WeasyPrint writes it: "/Span\n<</MCID 12>>\nBDC" (text is hex-encoded).
_TAGGED = re.compile(rb"/[A-Za-z0-9]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _as_artifacts(content: bytes, mcids: set[int]) -> bytes:
    """The page content with the marked-content sequences of `mcids` re-marked as pagination artifacts.

    A byte-level rewrite (parsing and re-serialising every operator costs ten times as much).
    """

    def remark(match: re.Match) -> bytes:
        if int(match.group(1)) in mcids:
            return b"/Artifact\n<</Type /Pagination>>\nBDC"
        return match.group(0)

    return _TAGGED.sub(remark, content)


#: Accessible PDF: WeasyPrint tags the structure and writes the PDF/UA identification.
PDF_VARIANT = "pdf/ua-1"
