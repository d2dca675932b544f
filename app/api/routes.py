"""API endpoints: thin, each parses with a schema, calls one service, and dumps with a schema."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint, abort

from app.api.schemas import (
    ResultSchema,
    RuleSummarySchema,
    ScanCreateSchema,
    ScanListArgsSchema,
    ScanSchema,
    ScanTypeSchema,
    StepAnswersSchema,
    StepSavedSchema,
    TokenSchema,
)
from app.extensions import catalogue
from app.reports.render import render_report_pdf
from app.services import access, audit, tokens
from app.services import reports as report_svc
from app.services import scans as svc

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Bibob-risicoscan")


def _scan(scan_id: int, action: str | None = None):
    try:
        scan = access.scan_for(current_user, scan_id)
    except access.ScanNotFound:
        abort(404, message="Scan niet gevonden.")
    if action and (reason := access.refusal(current_user, action, scan)):
        abort(403, message=reason)
    return scan


def _scan_type(scan: str) -> dict:
    cat = catalogue.load()
    q = cat.questionnaires[scan]
    return {
        "id": scan,
        "label": cat.scans[scan].label,
        "questionnaire_version": q.version,
        "ruleset_version": cat.version(scan),
        "steps": [
            {
                "id": s.id,
                "title": s.title,
                "questions": [
                    {
                        "id": x.id,
                        "label": x.label,
                        "type": x.type,
                        "required": x.required,
                        "help": x.help,
                        "options": [{"value": o.value, "label": o.label} for o in x.options],
                        "source": x.source,
                        **(x.provenance.snapshot_fields() if x.provenance else {}),
                    }
                    for x in s.questions
                ],
            }
            for s in q.steps
        ],
        "derived": [
            {
                "id": x.id,
                "label": x.label,
                "type": x.type,
                "required": False,
                "help": x.help,
                "options": [],
                "source": x.source,
                **(x.provenance.snapshot_fields() if x.provenance else {}),
            }
            for x in q.derived
        ],
    }


@blp.route("/scan-types")
class ScanTypes(MethodView):
    @blp.response(200, ScanTypeSchema(many=True))
    def get(self):
        """Scantypen met hun vragenlijst (stappen, vragen, opties)."""
        return [_scan_type(s) for s in catalogue.scans]


@blp.route("/scans")
class Scans(MethodView):
    @blp.arguments(ScanListArgsSchema, location="query")
    @blp.response(200, ScanSchema(many=True))
    def get(self, args):
        """Scans die u mag zien."""
        rows, _ = svc.find_scans(
            current_user,
            svc.ScanFilter(text=args["q"], scan_type=args["scan_type"], status=args["status"], page=args["page"]),
        )
        return rows

    @blp.arguments(ScanCreateSchema)
    @blp.response(201, ScanSchema)
    def post(self, data):
        """Start een scan voor uw gemeente."""
        if reason := access.refusal(current_user, "create"):
            abort(403, message=reason)
        questionnaire = catalogue.load().questionnaires[data["scan_type"]]
        subject = svc.Subject(data["subject_name"], data["subject_address"], data["subject_kvk"])
        return svc.create_scan(questionnaire, subject, current_user)


@blp.route("/scans/<int:scan_id>")
class ScanItem(MethodView):
    @blp.response(200, ScanSchema)
    def get(self, scan_id: int):
        """Eén scan."""
        return _scan(scan_id)


@blp.route("/scans/<int:scan_id>/steps/<step_id>")
class ScanStep(MethodView):
    @blp.arguments(StepAnswersSchema)
    @blp.response(200, StepSavedSchema)
    def put(self, data, scan_id: int, step_id: str):
        """Sla de antwoorden van één stap op (per stap gevalideerd; fouten per vraag)."""
        scan = _scan(scan_id, "edit")
        questionnaire = catalogue.load().questionnaires[scan.scan_type]
        step = questionnaire.step(step_id)
        if step is None:
            abort(404, message="Deze stap bestaat niet in de vragenlijst.")
        unknown = sorted(set(data["answers"]) - {q.id for q in step.questions})
        if unknown:
            abort(422, message="Antwoorden geweigerd.", errors={q: ["onbekende vraag voor deze stap"] for q in unknown})
        kept, errors = svc.check_step(questionnaire, step, data["answers"], scan.answers())
        if errors:
            abort(422, message="Antwoorden geweigerd.", errors=errors)
        next_step = questionnaire.step_after(step.id)
        lapsed = svc.save_step_noting_lapsed(questionnaire, scan, step, data["answers"], kept, next_step, current_user)
        ids = [q.id for q in lapsed.dropped + lapsed.elsewhere]
        return {"scan_id": scan.id, "step_id": step.id, "answers": kept, "lapsed": ids}


@blp.route("/scans/<int:scan_id>/evaluate")
class ScanEvaluate(MethodView):
    @blp.response(201, ResultSchema)
    def post(self, scan_id: int):
        """Evalueer de scan met de huidige regels en bewaar de uitkomst."""
        scan = _scan(scan_id, "evaluate")
        try:
            result = svc.evaluate_scan(scan, catalogue.evaluator, current_user)
        except svc.NotReady as err:
            abort(
                422,
                message="Verplichte vragen ontbreken.",
                errors={q.id: ["Dit veld is verplicht."] for _, q in err.missing},
            )
        return _result(scan, result)


def _evaluated(scan_id: int, action: str):
    """A visible, evaluated scan; the read is audited once (`action`)."""
    scan = _scan(scan_id)
    if scan.latest_result is None:
        abort(404, message="Deze scan is nog niet geëvalueerd.")
    audit.record(action, scan.id, result_id=scan.latest_result.id, via="api")
    return scan


def _result(scan, result) -> dict:
    return {
        "scan_id": scan.id,
        "result_id": result.id,
        "created_at": result.created_at,
        "fingerprint": result.answers_hash,
        "advice_model": result.snapshot.get("advice_model", 1),
        "context": result.snapshot.get("context"),
        "outcome": result.snapshot["outcome"],
        "priority": result.snapshot.get("priority"),
        "result": result.snapshot,
    }


@blp.route("/scans/<int:scan_id>/result")
class ScanResultView(MethodView):
    @blp.response(200, ResultSchema)
    def get(self, scan_id: int):
        """De laatst bewaarde uitkomst (zoals toen geëvalueerd)."""
        scan = _evaluated(scan_id, "result_viewed")
        return _result(scan, scan.latest_result)


@blp.route("/scans/<int:scan_id>/report.pdf")
class ScanReport(MethodView):
    @blp.response(200, description="Het rapport als PDF.", content_type="application/pdf")
    def get(self, scan_id: int):
        """Het adviesrapport als PDF."""
        scan = _evaluated(scan_id, "pdf_exported")
        pdf = render_report_pdf(report_svc.context_for_result(scan, scan.latest_result))
        return Response(pdf, mimetype="application/pdf")


@blp.route("/rules")
class Rules(MethodView):
    @blp.response(200, RuleSummarySchema(many=True))
    def get(self):
        """De regelcatalogus (alle indicatoren, alle scans)."""
        return sorted(catalogue.load().rules.values(), key=lambda r: r.id)


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """Uw API-tokens (zonder geheime waarde)."""
        return tokens.tokens_of(current_user)


@blp.route("/tokens/<int:token_id>")
class TokenItem(MethodView):
    @blp.response(204)
    def delete(self, token_id: int):
        """Trek een van uw tokens in."""
        token = tokens.own_token(current_user, token_id)
        if token is None:
            abort(404, message="Token niet gevonden.")
        tokens.revoke(token, current_user)
