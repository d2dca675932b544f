"""Benchmark: PDF rendering time of a typical and a large advice report (WeasyPrint).

Run with `.venv/bin/python bench/report_bench.py`. Target (issue 4): typical report p50 <= 0.5 s.
Typical: a completed horeca scan with a handful of signals (5 indicators fire). High risk: the
demo café of `make run` (11 fire). Large: every firing test case of every horeca indicator merged
into one answer set, so nearly all indicators fire.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader

from app import create_app
from app.demo import DemoScan, demo_scans
from app.extensions import catalogue as catalogue_ext
from app.reports.render import render_report_html, render_report_pdf
from app.services.reports import context_for_answers

RUNS = 15


def typical_answers() -> dict:
    """A completed horeca scan with a handful of signals (5 indicators fire)."""
    return {
        "vergunningsoort": "beide",
        "inrichting_type": "cafe_bar",
        "overname": True,
        "overnamesom": 60000.0,
        "exploitantwisselingen_pand": 1,
        "zonder_vergunning_open": False,
        "kvk_nummer": "90000003",
        "rechtsvorm": "bv",
        "onderneming_leeftijd": "1_tot_3_jaar",
        "bestuurderswisselingen": 2,
        "stroman_signalen": False,
        "zeggenschap_ondoorzichtig": False,
        "omg_banden": False,
        "investering_bedrag": 120000.0,
        "eigen_vermogen_bedrag": 60000.0,
        "financieringsbronnen": ["eigen_vermogen", "contante_lening"],
        "herkomst_vermogen_aangetoond": "deels",
        "leningsvoorwaarden_afwijkend": False,
        "contante_betalingen_bedrag": 0.0,
        "antecedenten_ernstig": ["geen"],
        "antecedenten_overig": ["geen"],
        "eerder_bibob_weigering": False,
        "verwachte_omzet": 300000.0,
        "zitplaatsen": 45,
        "contant_aandeel_pct": 85,
        "openingstijden_nacht": False,
        "online_vindbaarheid": "goed",
        "zaak_leeg": True,
        "omzet_past_niet": False,
        "drugs_signalen": False,
        "vragenformulier_status": "volledig",
        "onjuiste_informatie": False,
        "ontwijkend_gedrag": False,
    }


def high_risk_answers(demo: DemoScan) -> dict:
    """The demo café (make run, forms/voorbeelden/demo.yaml): a high-risk scan where 11 indicators fire."""
    return {k: v for step in demo.steps.values() for k, v in step.items()}


def large_answers(catalogue, scan_type: str) -> dict:
    merged: dict = {}
    for rule in catalogue.rules_for(scan_type):
        for case in rule.fires:
            for key, value in case.answers.items():
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    merged[key] = sorted(set(merged.get(key, [])) | set(value) - {"geen"})
                elif isinstance(value, list):  # records (persons, financiers): every row counts
                    merged[key] = [*merged.get(key, []), *value]
                else:
                    merged.setdefault(key, value)
    return merged


def measure(name: str, context: dict) -> dict:
    render_report_pdf(context)  # warm up fonts and caches
    times, html_times = [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        render_report_html(context, for_pdf=True)
        html_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        data = render_report_pdf(context)
        times.append(time.perf_counter() - t0)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    fired = sum(len(g["indicators"]) for g in context["groups"])
    return {
        "report": name,
        "fired": fired,
        "pages": pages,
        "p50_s": statistics.median(times),
        "max_s": max(times),
        "template_p50_ms": statistics.median(html_times) * 1000,
        "bytes": len(data),
    }


def main() -> None:
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context(), app.test_request_context():
        catalogue = catalogue_ext.load()
        evaluator = catalogue_ext.evaluator
        cafe = demo_scans(catalogue)[0]  # the typical answers are for the scan type of the first demo scan
        scan = cafe.scan_type
        results = [
            measure("typical", context_for_answers(evaluator, scan, typical_answers(), "Café (fictief)", "bench")),
            measure(
                "highrisk", context_for_answers(evaluator, scan, high_risk_answers(cafe), "Café (fictief)", "bench")
            ),
            measure(
                "large",
                context_for_answers(evaluator, scan, large_answers(catalogue, scan), "Groot (fictief)", "bench"),
            ),
        ]
    print(f"{'report':<9}{'fired':>6}{'pages':>6}{'p50':>9}{'max':>9}{'template':>10}{'size':>9}")
    for r in results:
        print(
            f"{r['report']:<9}{r['fired']:>6}{r['pages']:>6}{r['p50_s']:>8.3f}s{r['max_s']:>8.3f}s"
            f"{r['template_p50_ms']:>8.1f}ms{r['bytes'] // 1024:>7}KB"
        )


if __name__ == "__main__":
    main()
