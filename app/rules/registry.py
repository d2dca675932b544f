"""The scan types, discovered from data: no Python module names a scan.

A scan exists when both `forms/<scan>.yaml` (its questionnaire) and `rules/<scan>/scoring.yaml` (its
scoring policy) exist. The questionnaire gives the id (`scan`), the label (`title`) and the position in
lists (`order`); the scoring file gives the prefix of the scan's rule ids (`id_prefix`) and its Bibob
context default (`context.default`). The folder `rules/algemeen` holds the indicators several scans
share; it is not a scan and its ids carry the prefix `ALG`.

Pure: directories in, a `ScanRegistry` or a `CatalogueError` listing every fault out. Loaded once per
app with the catalogue (`app.services.catalogue`), which checks every file against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.rules.errors import CatalogueError, Fault, flatten_messages, read_yaml
from app.rules.vocabulary import CONTEXTS, SHARED_RULE_FOLDER

SCORING_FILE = "scoring.yaml"
#: Id prefix of the shared indicators in `rules/algemeen` (not a scan).
SHARED_PREFIX = "ALG"
SCAN_ID = r"^[a-z][a-z0-9_]{1,39}$"
ID_PREFIX = r"^[A-Z]{2,4}$"
#: The shape of every rule id; which prefixes are allowed follows from the registry.
RULE_ID_SHAPE = r"^[A-Z]{2,4}-[0-9]{3}$"


class FormHeaderSchema(Schema):
    """What the registry reads from `forms/<scan>.yaml`; the questionnaire loader checks the rest."""

    class Meta:
        unknown = EXCLUDE

    scan = fields.String(required=True, validate=validate.Regexp(SCAN_ID, error="kleine letters, cijfers of _"))
    title = fields.String(required=True, validate=validate.Length(min=3, max=120))
    order = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=999))


class ContextDefaultSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    default = fields.String(required=True, validate=validate.OneOf(list(CONTEXTS), error="moet een van {choices} zijn"))


class ScoringHeaderSchema(Schema):
    """What the registry reads from `rules/<scan>/scoring.yaml`; the rules loader checks the rest."""

    class Meta:
        unknown = EXCLUDE

    scan = fields.String(required=True, validate=validate.Regexp(SCAN_ID, error="kleine letters, cijfers of _"))
    id_prefix = fields.String(
        required=True, validate=validate.Regexp(ID_PREFIX, error="twee tot vier hoofdletters, zoals HOR")
    )
    context = fields.Nested(ContextDefaultSchema, required=True)


@dataclass(frozen=True)
class ScanType:
    """One scan type as its files declare it."""

    id: str
    label: str
    order: int
    prefix: str  # of its rule ids, e.g. "HOR" for HOR-001; "" only for an archive from before id_prefix
    context_default: str

    @property
    def form_file(self) -> str:
        return f"forms/{self.id}.yaml"

    @property
    def scoring_file(self) -> str:
        return f"rules/{self.id}/{SCORING_FILE}"


@dataclass(frozen=True)
class ScanRegistry:
    """The discovered scan types in list order; reads like the mapping scan id → ScanType."""

    types: tuple[ScanType, ...]

    def __iter__(self) -> Iterator[str]:
        return iter(t.id for t in self.types)

    def __len__(self) -> int:
        return len(self.types)

    def __contains__(self, scan: object) -> bool:
        return any(t.id == scan for t in self.types)

    def __getitem__(self, scan: str) -> ScanType:
        for t in self.types:
            if t.id == scan:
                return t
        raise KeyError(scan)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.types)

    @property
    def labels(self) -> dict[str, str]:
        """Scan id → label in list order (what templates, choices and the API show)."""
        return {t.id: t.label for t in self.types}

    def label(self, scan: str) -> str:
        """The label of a scan; an unknown id (a stored scan of a removed type) shows as itself."""
        return self.labels.get(scan, scan)

    @property
    def default(self) -> str:
        """The first scan in list order: the preselected choice where one is needed."""
        return self.types[0].id

    @property
    def rule_folders(self) -> tuple[str, ...]:
        """The folders under `rules/` that may hold indicators: one per scan, and the shared one."""
        return (*self.ids, SHARED_RULE_FOLDER)

    @property
    def rule_id_pattern(self) -> str:
        """The rule id regex built from the discovered prefixes and the shared one."""
        prefixes = [t.prefix for t in self.types if t.prefix]
        return rf"^({'|'.join([*prefixes, SHARED_PREFIX])})-[0-9]{{3}}$"

    def folder_prefix(self, folder: str) -> str:
        """The prefix the rule ids in `rules/<folder>/` carry ("" when the archive predates prefixes)."""
        return SHARED_PREFIX if folder == SHARED_RULE_FOLDER else self[folder].prefix

    def rule_id_problem(self, rule_id: str, folder: str) -> str | None:
        """Why a rule id does not fit the registry and its folder, or None."""
        prefix = self.folder_prefix(folder)
        if not prefix:
            return None
        if not re.fullmatch(self.rule_id_pattern, rule_id):
            return f"onbekend voorvoegsel; toegestaan: {self.rule_id_pattern}"
        if not rule_id.startswith(f"{prefix}-"):
            where = "de gedeelde map" if folder == SHARED_RULE_FOLDER else f"id_prefix in rules/{folder}/{SCORING_FILE}"
            return f"een regel in {folder}/ heeft een id {prefix}-nnn ({where})"
        return None


def discover_scans(forms_dir: Path, rules_dir: Path, strict: bool = True) -> ScanRegistry:
    """Find the scan types in `forms_dir` and `rules_dir`; raise CatalogueError listing every fault.

    `strict=False` reads an archive stored before `order` and `id_prefix` existed: a missing order
    sorts after the others by id, a missing prefix is not checked. Nothing is half-loaded: either
    every scan is sound, or the error names each faulty file.
    """
    registry, faults, _ = survey_scans(forms_dir, rules_dir, strict)
    if faults:
        raise CatalogueError(faults)
    return registry


def survey_scans(
    forms_dir: Path, rules_dir: Path, strict: bool = True
) -> tuple[ScanRegistry, list[Fault], frozenset[str]]:
    """The sound scan types, the faults found, and every name that looks like a scan (sound or not).

    The catalogue loader goes on with the sound ones to report every other fault at once, and uses
    the names so a broken scan's folder and mentions are not reported again as unknown.
    """
    faults: list[Fault] = []
    forms = {p.stem: p for p in sorted(forms_dir.glob("*.yaml")) if not p.name.startswith("_")}
    scoring = {p.parent.name: p for p in sorted(rules_dir.glob(f"*/{SCORING_FILE}"))}
    for scan in sorted(set(forms) - set(scoring)):
        if scan != SHARED_RULE_FOLDER:
            faults.append(Fault(f"rules/{scan}/{SCORING_FILE}", "", "scorebeleid voor deze scan ontbreekt"))
    for scan in sorted(set(scoring) - set(forms)):
        faults.append(Fault(f"forms/{scan}.yaml", "", "vragenlijst ontbreekt"))
    if SHARED_RULE_FOLDER in forms or SHARED_RULE_FOLDER in scoring:
        faults.append(Fault(f"rules/{SHARED_RULE_FOLDER}", "", "de gedeelde map is geen scan"))
    types = []
    for scan in sorted((set(forms) & set(scoring)) - {SHARED_RULE_FOLDER}):
        scan_type = _read_scan(scan, forms[scan], scoring[scan], faults, strict)
        if scan_type is not None:
            types.append(scan_type)
    _check_unique(types, faults)
    if not forms and not scoring:
        faults.append(Fault("forms/", "", "geen enkele scan gevonden (forms/<scan>.yaml en rules/<scan>/scoring.yaml)"))
    sound = [t for t in types if not any(f.file in (t.form_file, t.scoring_file) for f in faults)]
    registry = ScanRegistry(tuple(sorted(sound, key=lambda t: (t.order, t.id))))
    return registry, faults, frozenset(forms) | frozenset(scoring)


def _read_scan(scan: str, form: Path, scoring: Path, faults: list[Fault], strict: bool) -> ScanType | None:
    """One scan's header from its two files, or None with faults recorded."""
    form_name, scoring_name = f"forms/{scan}.yaml", f"rules/{scan}/{SCORING_FILE}"
    header = _header(form, form_name, FormHeaderSchema(partial=() if strict else ("order",)), faults)
    policy = _header(scoring, scoring_name, ScoringHeaderSchema(partial=() if strict else ("id_prefix",)), faults)
    if header is None or policy is None:
        return None
    ok = True
    for name, doc in ((form_name, header), (scoring_name, policy)):
        if doc["scan"] != scan:
            faults.append(Fault(name, "scan", f"moet {scan!r} zijn (de naam van het bestand of de map)"))
            ok = False
    if policy.get("id_prefix") == SHARED_PREFIX:
        faults.append(Fault(scoring_name, "id_prefix", f"{SHARED_PREFIX} is van de gedeelde map rules/algemeen"))
        ok = False
    if not ok:
        return None
    return ScanType(
        id=scan,
        label=header["title"],
        order=header.get("order", 1000),
        prefix=policy.get("id_prefix", ""),
        context_default=policy["context"]["default"],
    )


def _header(path: Path, name: str, schema: Schema, faults: list[Fault]) -> dict | None:
    data, _ = read_yaml(path, name, faults)
    if data is None:
        return None
    try:
        return schema.load(data)
    except ValidationError as err:
        faults.extend(Fault(name, f, r) for f, r in flatten_messages(err.messages))
        return None


def _check_unique(types: list[ScanType], faults: list[Fault]) -> None:
    """Prefixes and positions belong to one scan each."""
    prefixes: dict[str, ScanType] = {}
    orders: dict[int, ScanType] = {}
    for t in types:
        if t.prefix and t.prefix in prefixes:
            faults.append(
                Fault(
                    t.scoring_file, "id_prefix", f"{t.prefix} is al het voorvoegsel van scan {prefixes[t.prefix].id!r}"
                )
            )
        prefixes.setdefault(t.prefix, t)
        if t.order != 1000 and t.order in orders:
            faults.append(Fault(t.form_file, "order", f"{t.order} is al de positie van scan {orders[t.order].id!r}"))
        orders.setdefault(t.order, t)
