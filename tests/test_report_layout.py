"""The report a jurist signs: compact, CONCEPT on every page of a draft, tagged PDF/UA-1 with language and title.

Rendered by the real WeasyPrint, read back with pypdf. The same checks hold for the controle brief.
"""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from pypdf import PdfReader

from app.reports.render import render_brief_pdf, render_report_pdf
from app.services.reports import context_for_answers
from bench.report_bench import typical_answers


def answers_firing(catalogue, evaluator, scan_type: str, wanted: int) -> dict:
    """Merge the first firing test case of each rule until exactly `wanted` indicators fire."""
    merged: dict = {}
    for rule in catalogue.rules_for(scan_type):
        trial = dict(merged)
        for key, value in rule.fires[0].answers.items():
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                trial[key] = sorted(set(trial.get(key, [])) | set(value) - {"geen"})
            else:
                trial.setdefault(key, value)
        if len(evaluator.evaluate(scan_type, trial).fired) <= wanted:
            merged = trial
        if len(evaluator.evaluate(scan_type, merged).fired) == wanted:
            return merged
    raise AssertionError(f"could not make {wanted} indicators fire")


def assert_pdf_ua(data: bytes, title_start: str) -> PdfReader:
    """Tagged PDF/UA-1: structure tree, MarkInfo/Marked, document language, title shown as window title."""
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "untagged PDF"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "nl"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title.startswith(title_start)
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfuaid:part(="1"|>1<)', xmp), "no PDF/UA-1 identification in the XMP metadata"
    assert_tagged_throughout(data)
    return reader


TEXT_SHOWING = frozenset({"Tj", "TJ", "'", '"'})
PAINTING = TEXT_SHOWING | {"Do", "f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "sh", "INLINE IMAGE"}


def structure_elements(root: pikepdf.Dictionary) -> dict[tuple[int, int], pikepdf.Dictionary]:
    """Every structure element reachable from the structure tree root, by object id."""
    found: dict[tuple[int, int], pikepdf.Dictionary] = {}
    pending = [root]
    while pending:
        kids = pending.pop().get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid and kid.objgen not in found:
                found[kid.objgen] = kid
                pending.append(kid)
    return found


def marked_content(pdf: pikepdf.Pdf, page_index: int) -> list[tuple[str, str]]:
    """(operator, "tagged" | "artifact" | "unmarked" | "orphan") for each painting operator of a page.

    "tagged": inside a marked-content sequence whose MCID maps to an element reachable from the tree;
    "orphan": inside one whose MCID maps to nothing in the tree; "artifact": inside /Artifact.
    """
    root = pdf.Root.StructTreeRoot
    in_tree = structure_elements(root)
    nums = root.ParentTree.Nums
    parents = dict(zip([int(n) for n in nums[0::2]], nums[1::2], strict=True))
    page = pdf.pages[page_index]
    mapping = parents.get(int(page.obj.get("/StructParents", -1)), pikepdf.Array())
    stack: list[str] = []
    found = []
    for operands, operator in pikepdf.parse_content_stream(page):
        name = str(operator)
        if name in ("BMC", "BDC"):
            kind = "unmarked"
            if str(operands[0]) == "/Artifact":
                kind = "artifact"
            elif name == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                mcid = int(operands[1].MCID)
                element = mapping[mcid] if mcid < len(mapping) else None
                kind = "tagged" if element is not None and element.objgen in in_tree else "orphan"
            stack.append(kind)
        elif name == "EMC":
            stack.pop()
        elif name in PAINTING:
            marked = [k for k in stack if k != "unmarked"]
            kind = "artifact" if "artifact" in marked else (marked[-1] if marked else "unmarked")
            found.append((name, kind))
    return found


def text_of(data: bytes, keep: str) -> list[str]:
    """Page texts with only the text inside `keep` ("tagged" or "artifact") marked content."""
    pdf = pikepdf.open(io.BytesIO(data))
    for index, page in enumerate(pdf.pages):
        kinds = iter(kind for _, kind in marked_content(pdf, index))
        kept = []
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) in PAINTING and next(kinds) != keep:
                continue
            kept.append((operands, operator))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(kept))
    out = io.BytesIO()
    pdf.save(out)
    return page_texts(PdfReader(out))


def assert_tagged_throughout(data: bytes) -> None:
    """PDF/UA-1 §7.1 and 7.3-7.5, machine-checkable part (a pikepdf walk; veraPDF needs a JVM and a registry
    this project cannot reach): all page content is real content in the structure tree or an artifact; the
    running header and footer are artifacts; figures have alternative text; tables have header cells."""
    pdf = pikepdf.open(io.BytesIO(data))
    for index in range(len(pdf.pages)):
        wrong = [(op, kind) for op, kind in marked_content(pdf, index) if kind not in ("tagged", "artifact")]
        assert not wrong, f"page {index + 1}: content neither tagged in the tree nor an artifact: {wrong[:5]}"
    elements = structure_elements(pdf.Root.StructTreeRoot).values()
    for element in elements:
        if element.S == "/Figure":
            assert str(element.get("/Alt", "")).strip(), "a figure without alternative text"
        if element.S == "/Table":
            assert _has_descendant(element, "/TH"), "a table without header cells"
    tagged, artifacts = text_of(data, "tagged"), text_of(data, "artifact")
    for number, (real, running) in enumerate(zip(tagged, artifacts, strict=True), start=1):
        assert f"Pagina {number} van {len(tagged)}" in running, f"page {number}: page number is not an artifact"
        assert "Pagina " not in real, f"page {number}: running footer read as content"
        assert real.strip(), f"page {number}: no tagged content"


def _has_descendant(element: pikepdf.Dictionary, kind: str) -> bool:
    pending = [element]
    while pending:
        kids = pending.pop().get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                if kind == kid.S:
                    return True
                pending.append(kid)
    return False


def page_texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


@pytest.fixture
def render(app, catalogue):
    from app.extensions import catalogue as catalogue_ext

    def _render(answers: dict, status: str = "concept") -> bytes:
        with app.test_request_context():
            context = context_for_answers(catalogue_ext.evaluator, "horeca", answers, "Café Test (fictief)", "test")
            context["status"] = status
            return render_report_pdf(context)

    return _render


def test_typical_report_is_at_most_four_tagged_pages_marked_concept_on_each(app, render):
    data = render(typical_answers())
    texts = page_texts(assert_pdf_ua(data, "Bibob-risicoadvies"))
    assert len(texts) <= 4, f"{len(texts)} pages for a typical (5-indicator) report"
    for number, text in enumerate(text_of(data, "artifact"), start=1):
        assert "CONCEPT" in text, f"page {number} of a draft has no CONCEPT marking (as a running artifact)"


def test_eighteen_indicator_report_is_at_most_eight_pages(app, catalogue, evaluator, render):
    answers = answers_firing(catalogue, evaluator, "horeca", 18)
    texts = page_texts(assert_pdf_ua(render(answers), "Bibob-risicoadvies"))
    assert len(texts) <= 8, f"{len(texts)} pages for 18 indicators"


def test_no_page_holds_only_a_heading_or_a_fragment(app, catalogue, evaluator, render):
    """No orphaned headings: every page carries real content beside its running header and footer."""
    answers = answers_firing(catalogue, evaluator, "horeca", 18)
    for number, text in enumerate(page_texts(PdfReader(io.BytesIO(render(answers)))), start=1):
        body = [line for line in text.splitlines() if line.strip() and "Pagina" not in line and "Regelset" not in line]
        assert len(body) > 8, f"page {number} is nearly empty: {body}"
        last = body[-1].strip()
        assert not last.startswith(("1.", "2.", "3.", "4.", "5.", "6.", "Bijlage")), f"page {number} ends on {last}"


def test_an_approved_report_has_no_concept_marking(app, render):
    texts = page_texts(PdfReader(io.BytesIO(render(typical_answers(), status="vastgesteld"))))
    assert not any("CONCEPT" in text for text in texts)


def test_the_controle_brief_is_a_tagged_pdf(app, scans):
    from tests.test_reports import evaluated_scan

    scan_id = evaluated_scan(scans, "horeca")
    response = scans.client.get(f"/scans/{scan_id}/controlebrief.pdf", query_string={"ontvanger": "brandweer"})
    assert response.status_code == 200
    reader = assert_pdf_ua(response.data, "Controlebrief")
    assert len(reader.pages) <= 4


def test_brief_renderer_uses_the_same_variant(app):
    """Both PDFs go through one function with the PDF/UA-1 variant (no untagged path)."""
    import inspect

    from app.reports import render

    assert render.PDF_VARIANT == "pdf/ua-1"
    assert "html_to_pdf" in inspect.getsource(render_brief_pdf) and "html_to_pdf" in inspect.getsource(
        render_report_pdf
    )
