"""Load the indicator catalogue from `rules/` and `forms/`, checking it as a whole.

Every fault in every file is collected first; if there is any, `CatalogueError`
lists them all and nothing is returned, so a broken catalogue is never half-loaded.
Checks: YAML and schema per file, id equals file name, folder fits the scans,
duplicate ids, condition syntax, question ids known to each scan's questionnaire,
operators and values that fit the question's type and options, questions that may
not be scored, legal bases and sources known to `rules/references.yaml`, test
cases whose answers are valid for the questionnaire, scoring files per scan.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from app.forms.answers import validate_answers
from app.forms.loader import load_questionnaires
from app.forms.model import OPERATORS_BY_TYPE, Questionnaire
from app.rules.catalogue import AdviceEntry, AdvicePolicy, Catalogue, Rule, ScoringPolicy, SourceRef, TestCase
from app.rules.conditions import has_negated_pattern, leaves
from app.rules.conditions import parse as parse_condition
from app.rules.errors import CatalogueError, Fault, flatten_messages, read_yaml
from app.rules.registry import ScanRegistry, survey_scans
from app.rules.schema import AdviceSchema, ReferencesSchema, RuleSchema, ScoringSchema
from app.rules.vocabulary import SHARED_RULE_FOLDER

REFERENCES_FILE = "references.yaml"
ADVICE_FILE = "advies.yaml"
SCORING_FILE = "scoring.yaml"


def load_catalogue(
    rules_dir: Path, forms_dir: Path, scans: ScanRegistry | None = None, strict: bool = True
) -> Catalogue:
    """Read and check everything; return the catalogue or raise CatalogueError with all faults.

    `scans`: the registry already discovered from these folders (the app discovers it once at start);
    without it the scans are discovered here. `strict=False` reads an archive stored before the
    registry keys existed (`discover_scans`).
    """
    faults: list[Fault] = []
    names: frozenset[str] = frozenset()
    if scans is None:
        scans, faults, names = survey_scans(forms_dir, rules_dir, strict=strict)
    texts: dict[str, str] = {}
    try:
        questionnaires = load_questionnaires(forms_dir, texts, scans.ids)
    except CatalogueError as err:
        faults.extend(err.faults)
        questionnaires = {}
    references = _load_references(rules_dir, faults, texts)
    advice = _load_advice(rules_dir, faults, texts)
    scoring = {scan: _load_scoring(rules_dir, scan, faults, texts) for scan in scans}
    rules = _load_rules(rules_dir, scans, names, faults, texts)
    if questionnaires and references:
        for rule in rules.values():
            _check_rule_against(rule, questionnaires, references, faults)
        for scan, policy in scoring.items():
            if policy is not None and scan in questionnaires:
                _check_scoring_against(policy, questionnaires[scan], faults)
        if advice is not None:
            _check_advice_against(advice, references, faults)
    if faults:
        raise CatalogueError(faults)
    versions = {
        scan: _version(scan, rules, scoring[scan], advice, questionnaires[scan], texts[f"rules/{REFERENCES_FILE}"])
        for scan in scans
    }
    return Catalogue(
        scans=scans,
        rules=rules,
        scoring=scoring,
        advice=advice,
        questionnaires=questionnaires,
        sources=references["sources"],
        legal_bases=references["legal_bases"],
        versions=versions,
        files=texts,
    )


def _rel(path: Path, rules_dir: Path) -> str:
    return f"rules/{path.relative_to(rules_dir).as_posix()}"


def _load_references(rules_dir: Path, faults: list[Fault], texts: dict[str, str]) -> dict[str, Any] | None:
    path = rules_dir / REFERENCES_FILE
    name = f"rules/{REFERENCES_FILE}"
    if not path.is_file():
        faults.append(Fault(name, "", "register van bronnen en rechtsgronden ontbreekt"))
        return None
    data, _ = read_yaml(path, name, faults, texts)
    if data is None:
        return None
    try:
        doc = ReferencesSchema().load(data)
    except ValidationError as err:
        faults.extend(Fault(name, f, r) for f, r in flatten_messages(err.messages))
        return None
    return doc


def _load_scoring(rules_dir: Path, scan: str, faults: list[Fault], texts: dict[str, str]) -> ScoringPolicy | None:
    path = rules_dir / scan / SCORING_FILE
    name = f"rules/{scan}/{SCORING_FILE}"
    if not path.is_file():
        faults.append(Fault(name, "", "scorebeleid voor deze scan ontbreekt"))
        return None
    data, raw = read_yaml(path, name, faults, texts)
    if data is None:
        return None
    try:
        doc = ScoringSchema().load(data)
    except ValidationError as err:
        faults.extend(Fault(name, f, r) for f, r in flatten_messages(err.messages))
        return None
    if doc["scan"] != scan:
        faults.append(Fault(name, "scan", f"moet {scan!r} zijn (de map)"))
    when = []
    for i, entry in enumerate(doc["context"]["when"]):
        condition, problems = parse_condition(entry["condition"], f"context.when[{i}].condition")
        faults.extend(Fault(name, p.field, p.reason) for p in problems)
        if condition is not None:
            when.append((entry["context"], condition))
    return ScoringPolicy(
        scan=scan,
        version=doc["version"],
        caps={cat: policy["cap"] for cat, policy in doc["categories"].items()},
        thresholds=tuple((lv["level"], lv["min_score"]) for lv in doc["levels"]),
        level_indications=dict(doc["indications"]),
        context_default=doc["context"]["default"],
        context_when=tuple(when),
        essential=tuple(doc["essential"]),
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


def _load_advice(rules_dir: Path, faults: list[Fault], texts: dict[str, str]) -> AdvicePolicy | None:
    """The advice table (`rules/advies.yaml`): next steps and summaries per context and outcome."""
    path = rules_dir / ADVICE_FILE
    name = f"rules/{ADVICE_FILE}"
    if not path.is_file():
        faults.append(Fault(name, "", "adviestabel ontbreekt"))
        return None
    data, raw = read_yaml(path, name, faults, texts)
    if data is None:
        return None
    try:
        doc = AdviceSchema().load(data)
    except ValidationError as err:
        faults.extend(Fault(name, f, r) for f, r in flatten_messages(err.messages))
        return None
    entries = tuple(
        AdviceEntry(e["outcome"], tuple(e["contexts"]), e["priority"], tuple(e["next_steps"]), e["summary"].strip())
        for e in doc["advice"]
    )
    bases = {step: {ctx: tuple(ids) for ctx, ids in per.items()} for step, per in doc["step_basis"].items()}
    return AdvicePolicy(entries=entries, step_bases=bases, content_hash=hashlib.sha256(raw).hexdigest())


def _check_scoring_against(policy: ScoringPolicy, questionnaire: Questionnaire, faults: list[Fault]) -> None:
    """Context conditions and essential questions name questions the scan asks."""
    name = f"rules/{policy.scan}/{SCORING_FILE}"
    for context, condition in policy.context_when:
        for leaf in leaves(condition):
            reason = _leaf_problem(leaf, questionnaire, scoring=False)
            if reason:
                faults.append(Fault(name, f"context ({context})", reason))
    for qid in (q for group in policy.essential for q in group):
        if questionnaire.question(qid) is None:
            faults.append(Fault(name, "essential", f"onbekende vraag {qid!r} in forms/{policy.scan}.yaml"))


def _check_advice_against(advice: AdvicePolicy, references: dict[str, Any], faults: list[Fault]) -> None:
    for step, per in advice.step_bases.items():
        for ids in per.values():
            for basis in ids:
                if basis not in references["legal_bases"]:
                    faults.append(
                        Fault(f"rules/{ADVICE_FILE}", f"step_basis.{step}", f"onbekende rechtsgrond {basis!r}")
                    )


def _rule_files(rules_dir: Path, scans: ScanRegistry, broken: frozenset[str], faults: list[Fault]) -> list[Path]:
    """The rule files in the folders of the sound scans and the shared one (a broken scan is reported already)."""
    folders = scans.rule_folders
    for item in sorted(rules_dir.iterdir()):
        if item.is_dir() and item.name not in folders and item.name not in broken:
            faults.append(Fault(_rel(item, rules_dir), "", f"onbekende map; toegestaan: {', '.join(folders)}"))
    files = []
    for folder in folders:
        directory = rules_dir / folder
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                if path.name == SCORING_FILE:
                    continue
                if path.suffix == ".yml" or (
                    path.is_file() and path.suffix != ".yaml" and not path.name.startswith(".")
                ):
                    faults.append(Fault(_rel(path, rules_dir), "", "regelbestanden eindigen op .yaml"))
                elif path.suffix == ".yaml":
                    files.append(path)
    return files


def _load_rules(
    rules_dir: Path, scans: ScanRegistry, broken: frozenset[str], faults: list[Fault], texts: dict[str, str]
) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for path in _rule_files(rules_dir, scans, broken, faults):
        rule = _load_rule(path, rules_dir, scans, broken, faults, texts)
        if rule is None:
            continue
        if rule.id in rules:
            faults.append(Fault(rule.path, "id", f"dubbele id; ook in {rules[rule.id].path}"))
            continue
        rules[rule.id] = rule
    return rules


def _load_rule(
    path: Path,
    rules_dir: Path,
    scans: ScanRegistry,
    broken: frozenset[str],
    faults: list[Fault],
    texts: dict[str, str],
) -> Rule | None:
    name = _rel(path, rules_dir)
    data, raw = read_yaml(path, name, faults, texts)
    if data is None:
        return None
    try:
        doc = RuleSchema().load(data)
    except ValidationError as err:
        faults.extend(Fault(name, f, r) for f, r in flatten_messages(err.messages))
        return None
    ok = True
    if doc["id"] != path.stem:
        faults.append(Fault(name, "id", f"moet gelijk zijn aan de bestandsnaam ({path.stem})"))
        ok = False
    folder = path.parent.name
    if problem := scans.rule_id_problem(doc["id"], folder):
        faults.append(Fault(name, "id", problem))
        ok = False
    unknown = [s for s in doc["scans"] if s not in scans and s not in broken]
    if unknown:
        faults.append(Fault(name, "scans", f"onbekende scan {unknown[0]!r}; bekend: {', '.join(scans.ids)}"))
        ok = False
    if folder == SHARED_RULE_FOLDER:
        if len(doc["scans"]) < 2:
            faults.append(Fault(name, "scans", "een regel in algemeen/ hoort bij minstens twee scans"))
            ok = False
    elif doc["scans"] != [folder]:
        faults.append(Fault(name, "scans", f"een regel in {folder}/ hoort alleen bij scan {folder!r}"))
        ok = False
    condition, problems = parse_condition(doc["condition"])
    faults.extend(Fault(name, p.field, p.reason) for p in problems)
    if condition is not None and has_negated_pattern(condition):
        faults.append(Fault(name, "condition", "'matches' kan niet onder 'not' staan"))
        ok = False
    if condition is None or not ok:
        return None
    return Rule(
        id=doc["id"],
        version=doc["version"],
        status=doc["status"],
        title=doc["title"],
        description=doc["description"].strip(),
        scans=tuple(doc["scans"]),
        category=doc["category"],
        weight=doc["weight"],
        knockout=doc["knockout"],
        bibob_grounds=tuple(doc["bibob_grounds"]),
        role=doc["role"],
        relation=tuple(doc["relation"]),
        gate=doc["gate"],
        next_steps=tuple(doc["next_steps"]),
        priority_only=doc["priority_only"],
        legal_basis=tuple(doc["legal_basis"]),
        condition=condition,
        advice=doc["advice"].strip(),
        control_points=tuple(doc["control_points"]),
        partners=tuple(doc["partners"]),
        sources=tuple(SourceRef(**s) for s in doc["sources"]),
        fires=tuple(TestCase(**t) for t in doc["tests"]["fires"]),
        does_not_fire=tuple(TestCase(**t) for t in doc["tests"]["does_not_fire"]),
        path=name,
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


def _check_rule_against(
    rule: Rule, questionnaires: dict[str, Questionnaire], references: dict[str, Any], faults: list[Fault]
) -> None:
    """Cross-file checks: questions per scan, operators and values, references, test answers."""
    for basis in rule.legal_basis:
        if basis not in references["legal_bases"]:
            faults.append(Fault(rule.path, "legal_basis", f"onbekende rechtsgrond {basis!r} (zie references.yaml)"))
    for i, ref in enumerate(rule.sources):
        if ref.source not in references["sources"]:
            faults.append(
                Fault(rule.path, f"sources[{i}].source", f"onbekende bron {ref.source!r} (zie references.yaml)")
            )
    for scan in rule.scans:
        questionnaire = questionnaires.get(scan)
        if questionnaire is None:
            continue
        for leaf in leaves(rule.condition):
            reason = _leaf_problem(leaf, questionnaire)
            if not reason and rule.status == "active" and questionnaire.question(leaf.question).legacy:
                reason = f"vraag {leaf.question!r} is vervallen (legacy); alleen een vervallen regel mag haar lezen"
            if reason:
                faults.append(Fault(rule.path, f"condition ({leaf.question})", f"{reason} [scan {scan}]"))
        for kind, cases in (("fires", rule.fires), ("does_not_fire", rule.does_not_fire)):
            for i, case in enumerate(cases):
                _, errors = validate_answers(questionnaire, case.answers)
                for qid, messages in errors.items():
                    faults.append(
                        Fault(rule.path, f"tests.{kind}[{i}].answers.{qid}", f"{'; '.join(messages)} [scan {scan}]")
                    )


def _leaf_problem(leaf, questionnaire: Questionnaire, scoring: bool = True) -> str | None:
    question = questionnaire.question(leaf.question)
    if question is None:
        return f"onbekende vraag {leaf.question!r} in forms/{questionnaire.scan}.yaml"
    if scoring and not question.scorable:
        return f"vraag {leaf.question!r} mag niet meewegen in een score (scorable: false)"
    if leaf.op not in OPERATORS_BY_TYPE[question.type]:
        return f"operator {leaf.op!r} past niet bij vraagtype {question.type!r}"
    values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
    if question.type in ("keuze", "meerkeuze") and leaf.op != "present":
        unknown = [v for v in values if v not in question.option_values]
        if unknown:
            return f"waarde {unknown[0]!r} is geen optie van {leaf.question!r}"
    if question.type == "ja_nee" and leaf.op != "present" and not all(isinstance(v, bool) for v in values):
        return "een ja/nee-vraag vergelijk je met true of false"
    if (
        question.type in ("getal", "bedrag")
        and leaf.op != "present"
        and any(isinstance(v, bool) or not isinstance(v, int | float) for v in values)
    ):
        return "een getal of bedrag vergelijk je met een getal"
    return None


#: The formulas a ruleset version has been computed with, newest first (see `ruleset_versions`). Formula v0
#: (rules and scoring file only, the first advice model) is recomputed from archived texts by
#: `app.services.reproduce.model1_version`, since today's loader refuses those archives.
VERSION_FORMULAS = ("v2", "v1", "v0")


def _version(
    scan: str,
    rules: dict[str, Rule],
    policy: ScoringPolicy,
    advice: AdvicePolicy,
    questionnaire: Questionnaire,
    references_text: str,
) -> str:
    """Content hash of everything a scan's advice depends on (formula v2).

    Its rules (the scan's own and the shared ones), its scoring file, the advice table, its questionnaire
    (with the shared steps it includes and the channel table: `Questionnaire.content_hash`) and the
    register of sources and legal bases. A change to any of them gives a new version.
    """
    digest = hashlib.sha256(_version_v1(scan, rules, policy, advice).encode())
    digest.update(f"questionnaire\0{questionnaire.content_hash}\n".encode())
    digest.update(f"references\0{hashlib.sha256(references_text.encode()).hexdigest()}\n".encode())
    return digest.hexdigest()[:16]


def _version_v1(scan: str, rules: dict[str, Rule], policy: ScoringPolicy, advice: AdvicePolicy) -> str:
    """The first formula (results stored before v2 carry it): rules, scoring file and advice table only."""
    digest = hashlib.sha256()
    for rule in sorted((r for r in rules.values() if scan in r.scans), key=lambda r: r.id):
        digest.update(f"{rule.path}\0{rule.content_hash}\n".encode())
    digest.update(f"scoring\0{policy.content_hash}\n".encode())
    digest.update(f"advice\0{advice.content_hash}\n".encode())
    return digest.hexdigest()[:16]


def ruleset_versions(catalogue: Catalogue, scan: str) -> dict[str, str]:
    """A loaded catalogue's version of `scan` under every formula, by formula name (for results stored earlier).

    `verify` uses it to recognise a result made under an earlier formula from its archived files: the
    files must give the stored version under one formula, otherwise they are not what the result used.
    """
    rules, policy, advice = catalogue.rules, catalogue.scoring[scan], catalogue.advice
    return {
        "v2": catalogue.version(scan),
        "v1": _version_v1(scan, rules, policy, advice),
    }
