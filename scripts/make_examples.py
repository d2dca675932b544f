"""Write the fictional example registers in forms/voorbeelden/ (run once after a questionnaire changes).

Deterministic (fixed seed), sparse like real register data: about half the questions
are empty, risk signals are rare. All names and addresses are invented; they are in
forms/voorbeelden/demo.yaml (`register_names`), one register per discovered scan type.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.demo import demo_data
from app.paths import EXAMPLES_DIR, FORMS_DIR, RULES_DIR
from app.portfolio.columns import allowed_in_register, columns_for, write_cell
from app.rules.loader import load_catalogue

STREETS = ["Dorpsstraat", "Marktplein", "Stationsweg", "Industrieweg", "Havenkade", "Kerkstraat"]


def sparse_answer(question, rnd: random.Random):
    if not question.required and rnd.random() < 0.5:
        return None
    kind = question.type
    if kind == "ja_nee":
        return rnd.random() < 0.15
    if kind == "keuze":
        return rnd.choice(question.option_values)
    if kind == "meerkeuze":
        return [rnd.choice(question.option_values)]
    if kind == "getal":
        low = int(question.min or 0)
        high = int(question.max if question.max is not None else 10)
        return rnd.randint(low, min(high, low + 5))
    if kind == "bedrag":
        return float(rnd.choice([25_000, 60_000, 120_000, 250_000, 400_000]))
    if kind == "kvk":
        return f"{rnd.randint(10_000_000, 99_999_999)}"
    if kind == "postcode":
        return f"{rnd.randint(1000, 9999)} {rnd.choice('ABCDEFGH')}{rnd.choice('JKLMNPRS')}"
    return None  # free text and dates stay empty in the examples


def main() -> None:
    catalogue = load_catalogue(RULES_DIR, FORMS_DIR)
    EXAMPLES_DIR.mkdir(exist_ok=True)
    named = demo_data()["register_names"]  # forms/voorbeelden/demo.yaml
    for scan in catalogue.scans:
        names = named.get(scan) or [f"Locatie {i + 1}" for i in range(8)]  # a scan without names: neutral ones
        questionnaire = catalogue.questionnaires[scan]
        columns = columns_for(questionnaire)
        rnd = random.Random(scan)
        path = EXAMPLES_DIR / f"{scan}-register.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow([c.name for c in columns])
            for i, name in enumerate(names):
                answers = {}
                for q in questionnaire.questions.values():
                    if not allowed_in_register(q):
                        continue  # a register holds open and own data only (forms/_kanalen.yaml)
                    if q.shown(answers) and (value := sparse_answer(q, rnd)) is not None:
                        answers[q.id] = value
                address = f"{rnd.choice(STREETS)} {i + 1}, 9999 ZZ Voorbeeldstad"
                subject = [f"{name} (fictief)", address, f"{90000000 + i}"]
                for q in questionnaire.questions.values():  # one KvK number per row (column kvk and kvk_nummer agree)
                    if q.type == "kvk" and q.id in answers:
                        answers[q.id] = subject[2]
                writer.writerow(subject + [write_cell(c.question, answers.get(c.name)) for c in columns[3:]])
        print(f"written: {path}")


if __name__ == "__main__":
    main()
