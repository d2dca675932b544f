"""Render a report context as HTML (in the app) or PDF (WeasyPrint), from the same template.

WeasyPrint gets plain data only (the dumped report context) and a URL fetcher that serves
the app's own static files and refuses everything else: no file:, no network.
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from typing import Any

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
    return pdf or b""


#: Accessible PDF: WeasyPrint tags the structure and writes the PDF/UA identification.
PDF_VARIANT = "pdf/ua-1"
