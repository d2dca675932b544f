"""The processing record for the DPIA: which data each scan processes, from which channel, on which legal
basis, who may see it and how long it is kept.

Generated from the questionnaires (`forms/`), the channel table (`forms/_kanalen.yaml`) and the
installation's settings (retention, organisation), so it cannot drift from what the service does.
Pure: catalogue and settings in, plain data (and Markdown) out.
"""

from __future__ import annotations

from typing import Any

from app.models.account import ROLES
from app.rules.catalogue import Catalogue
from app.rules.conditions import questions as condition_questions
from app.services.transparency import channel_table

#: Who sees a scan's answers, in the words of `app/services/access.py` (need to know).
WHO_SEES = (
    f"{ROLES['bibob_officer']}s van de eigen gemeente; na indiening ter beoordeling of na delen met het RIEC "
    f"ook {ROLES['jurist']} en {ROLES['tov_adviser']}. De {ROLES['admin'].lower()} ziet geen inhoud."
)


def build(catalogue: Catalogue, config: dict[str, Any]) -> dict[str, Any]:
    """The record as plain data: per scan, per data category (questionnaire step), the channels and rules."""
    table = channel_table(catalogue)
    scans = []
    for scan, questionnaire in catalogue.questionnaires.items():
        scored = {q for r in catalogue.rules_for(scan) for q in condition_questions(r.condition)}
        # A record weighs through the derived facts computed from it (app/forms/derive.py).
        scored |= {d.record for d in questionnaire.derivations if d.id in scored}
        categories = []
        for step in questionnaire.steps:
            by_channel: dict[str, dict[str, Any]] = {}
            for q in step.questions:
                p = q.provenance
                key = f"{p.label}|{p.shareability}"
                row = by_channel.setdefault(
                    key,
                    {
                        "channel": p.label,
                        "legal_basis": p.legal_basis,
                        "verified": table.channels[p.channel].verified,
                        "shareability": p.shareability_label,
                        "criminal": p.criminal,
                        "portfolio": p.portfolio,
                        "questions": [],
                    },
                )
                row["questions"].append({"label": q.label, "scored": q.id in scored})
            categories.append({"category": step.title, "channels": list(by_channel.values())})
        scans.append(
            {"id": scan, "label": questionnaire.title, "version": questionnaire.version, "categories": categories}
        )
    return {
        "organisation": config["PUBLICATION"].get("organisatie", ""),
        "processing_register_url": config["PUBLICATION"].get("verwerkingsregister_url", ""),
        "purpose": (
            "Integriteitsbeoordeling op grond van de Wet Bibob (art. 3, eigen onderzoek art. 7a) en voorbereiding "
            "van integrale controles; geheimhouding volgens art. 28 Wet Bibob."
        ),
        "who_sees": WHO_SEES,
        "retention": [
            f"Vastgestelde scans: {config['RETENTION_DAYS']} dagen na het besluit, dan automatisch verwijderd "
            "(opdracht `flask retention purge`, met auditregel).",
            "Scans die niet zijn vastgesteld: geen automatische termijn; de gemeente verwijdert ze zelf.",
            f"Portfolio's (registers, alleen open en eigen gegevens): {config['PORTFOLIO_RETENTION_DAYS']} dagen "
            "na de upload.",
            "Auditlog: alleen ids, acties en ontvangers, geen antwoorden.",
        ],
        "shareabilities": [
            {"label": s.label, "explanation": s.explanation, "brief": s.brief} for s in table.shareabilities.values()
        ],
        "recipients": [
            {
                "label": r.label,
                "legal_ground": r.legal_ground,
                "receives": [table.shareabilities[x].label for x in r.receives],
            }
            for r in table.recipients.values()
        ],
        "portfolio_reason": table.portfolio_reason,
        "scans": scans,
    }


def to_markdown(record: dict[str, Any]) -> str:
    """The record as a Markdown document (for the DPIA file)."""
    lines = [
        f"# Verwerkingsoverzicht Bibob-risicoscan – {record['organisation']}",
        "",
        "Gegenereerd uit de vragenlijsten, de kanalentabel (`forms/_kanalen.yaml`) en de instellingen.",
        "",
        f"**Doel:** {record['purpose']}",
        "",
        f"**Wie ziet de gegevens:** {record['who_sees']}",
        "",
        "**Bewaartermijnen:**",
        "",
        *[f"- {r}" for r in record["retention"]],
        "",
        "## Deelbaarheid",
        "",
        *[f"- **{s['label']}**: {s['explanation']}" for s in record["shareabilities"]],
        "",
        "## Ontvangers van een controlebrief",
        "",
        *[f"- **{r['label']}** ({r['legal_ground']}): {'; '.join(r['receives'])}" for r in record["recipients"]],
        "",
        f"**Portfolio-scans:** {record['portfolio_reason']}",
    ]
    for scan in record["scans"]:
        lines += ["", f"## {scan['label']} (vragenlijst versie {scan['version']})", ""]
        lines += ["| Gegevenscategorie | Kanaal | Grondslag | Deelbaarheid | AVG art. 10 | In portfolio | Vragen |"]
        lines += ["| --- | --- | --- | --- | --- | --- | --- |"]
        for category in scan["categories"]:
            for c in category["channels"]:
                basis = c["legal_basis"] + ("" if c["verified"] else " (artikel nog na te gaan)")
                asked = "; ".join(q["label"] + (" *" if q["scored"] else "") for q in c["questions"])
                cells = [
                    category["category"],
                    c["channel"],
                    basis,
                    c["shareability"],
                    "Ja" if c["criminal"] else "Nee",
                    "Ja" if c["portfolio"] else "Nee",
                    asked,
                ]
                lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
        lines += ["", "\\* weegt mee in een indicator."]
    return "\n".join(lines) + "\n"
