"""The JSON API: OpenAPI document, token auth and revocation, isolation, bad payloads, every endpoint."""

import re

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from app.db import db
from app.models import ApiToken, User
from app.paths import FORMS_DIR
from app.services import tokens
from tests.conftest import USERS, login
from tests.test_wizard import COMMON, REQUIRED


def token_for(app, who: str) -> str:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == USERS[who][0]))
        return tokens.create_token(user, "test")[1]


@pytest.fixture
def api(app, client):
    headers = {
        who: {"Authorization": f"Bearer {token_for(app, who)}"} for who in ("officer", "other_officer", "jurist")
    }

    def call(method, url, who="officer", **kwargs):
        return client.open(url, method=method, headers=headers[who], **kwargs)

    return call


def test_openapi_document_is_valid(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert {"/api/v1/scans", "/api/v1/scans/{scan_id}/steps/{step_id}", "/api/v1/rules"} <= set(spec["paths"])
    result = spec["components"]["schemas"]["Result"]["properties"]
    assert "geen_bibob_besluit" in result["context"]["enum"] and "controle_prioriteit" in result["outcome"]["enum"]
    assert set(result["priority"]["enum"]) >= {"laag", "middel", "hoog"}


def test_token_is_required_and_can_be_revoked(app, client, api):
    assert client.get("/api/v1/scans").status_code == 401
    assert client.get("/api/v1/scans", headers={"Authorization": "Bearer bbs_verkeerd"}).status_code == 401
    assert api("GET", "/api/v1/scans").status_code == 200
    listed = api("GET", "/api/v1/tokens").get_json()
    assert listed and "token_hash" not in listed[0]
    assert api("DELETE", f"/api/v1/tokens/{listed[0]['id']}").status_code == 204
    assert api("GET", "/api/v1/scans").status_code == 401
    assert api("DELETE", f"/api/v1/tokens/{listed[0]['id']}", who="jurist").status_code == 404  # not the jurist's


def test_scan_lifecycle_over_the_api(api):
    types = api("GET", "/api/v1/scan-types").get_json()
    # Every questionnaire in forms/ is a scan type (a scan can be added as data only).
    questionnaires = {p.stem for p in FORMS_DIR.glob("*.yaml") if not p.name.startswith("_")}
    assert {t["id"] for t in types} == questionnaires >= {"horeca", "risicolocatie", "vastgoed", "bedrijventerrein"}
    created = api("POST", "/api/v1/scans", json={"scan_type": "horeca", "subject_name": "Bar API (fictief)"})
    assert created.status_code == 201
    scan_id = created.get_json()["id"]
    not_ready = api("POST", f"/api/v1/scans/{scan_id}/evaluate")
    assert not_ready.status_code == 422 and "vergunningsoort" in not_ready.get_json()["errors"]
    saved = api(
        "PUT",
        f"/api/v1/scans/{scan_id}/steps/aanvraag",
        json={"answers": REQUIRED["horeca"] | {"overname": True, "overnamesom": 150000}},
    )
    assert saved.status_code == 200 and saved.get_json()["answers"]["overnamesom"] == 150000
    assert saved.get_json()["lapsed"] == []
    dropped = api(
        "PUT",
        f"/api/v1/scans/{scan_id}/steps/aanvraag",
        json={"answers": REQUIRED["horeca"] | {"overname": False, "overnamesom": 150000}},
    )
    assert dropped.get_json()["lapsed"] == ["overnamesom"]  # not kept, and said so
    assert "overnamesom" not in dropped.get_json()["answers"]
    api(
        "PUT",
        f"/api/v1/scans/{scan_id}/steps/aanvraag",
        json={"answers": REQUIRED["horeca"] | {"overname": True, "overnamesom": 150000}},
    )
    for step in ("onderneming", "gedrag", "financiering", "betrokkenen"):
        answers = {
            k: v
            for k, v in COMMON.items()
            if k
            in {
                q["id"]
                for t in types
                if t["id"] == "horeca"
                for s in t["steps"]
                if s["id"] == step
                for q in s["questions"]
            }
        }
        assert api("PUT", f"/api/v1/scans/{scan_id}/steps/{step}", json={"answers": answers}).status_code == 200
    evaluated = api("POST", f"/api/v1/scans/{scan_id}/evaluate")
    assert evaluated.status_code == 201
    body = evaluated.get_json()
    assert {"ALG-001", "ALG-005"} <= {f["id"] for f in body["result"]["fired"]} and len(body["fingerprint"]) == 64
    assert body["advice_model"] == 2 and body["context"] == body["result"]["context"]
    assert body["outcome"] == body["result"]["outcome"] and "priority" in body
    assert api("GET", f"/api/v1/scans/{scan_id}/result").get_json()["result_id"] == body["result_id"]
    pdf = api("GET", f"/api/v1/scans/{scan_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data[:4] == b"%PDF"
    assert api("GET", f"/api/v1/scans/{scan_id}").get_json()["status"] == "evaluated"


def test_bad_payloads_get_structured_dutch_errors(api):
    missing = api("POST", "/api/v1/scans", json={"scan_type": "casino"})
    assert missing.status_code == 422 and {"scan_type", "subject_name"} <= set(missing.get_json()["errors"])
    assert (
        api("POST", "/api/v1/scans", json={"scan_type": "horeca", "subject_name": "X Y", "extra": 1}).status_code == 422
    )
    assert api("POST", "/api/v1/scans", data="geen json", content_type="application/json").status_code in (400, 422)
    scan_id = api(
        "POST", "/api/v1/scans", json={"scan_type": "vastgoed", "subject_name": "Pand API (fictief)"}
    ).get_json()["id"]
    wrong = api(
        "PUT",
        f"/api/v1/scans/{scan_id}/steps/transactie",
        json={"answers": {"prijsstijging_pct": "veel", "bestaat_niet": 1}},
    )
    errors = wrong.get_json()["errors"]
    assert wrong.status_code == 422 and errors == {"bestaat_niet": ["onbekende vraag voor deze stap"]}
    typed = api("PUT", f"/api/v1/scans/{scan_id}/steps/transactie", json={"answers": {"prijsstijging_pct": "veel"}})
    assert typed.get_json()["errors"]["prijsstijging_pct"] == ["moet een geheel getal zijn"]
    assert api("PUT", f"/api/v1/scans/{scan_id}/steps/niet-bestaand", json={"answers": {}}).status_code == 404
    assert api("GET", "/api/v1/scans/99999").status_code == 404


def test_isolation_and_roles_over_the_api(api):
    scan_id = api(
        "POST", "/api/v1/scans", json={"scan_type": "horeca", "subject_name": "Eigen zaak (fictief)"}
    ).get_json()["id"]
    for method, url in (
        ("GET", f"/api/v1/scans/{scan_id}"),
        ("PUT", f"/api/v1/scans/{scan_id}/steps/aanvraag"),
        ("POST", f"/api/v1/scans/{scan_id}/evaluate"),
        ("GET", f"/api/v1/scans/{scan_id}/report.pdf"),
    ):
        assert api(method, url, who="other_officer", json={"answers": {}}).status_code == 404
    assert api("GET", "/api/v1/scans", who="other_officer").get_json() == []
    refused = api(
        "POST", "/api/v1/scans", who="jurist", json={"scan_type": "horeca", "subject_name": "Niet toegestaan"}
    )
    assert refused.status_code == 403 and "Bibob-coördinator" in refused.get_json()["message"]


def test_rule_catalogue_over_the_api(api, catalogue):
    rules = api("GET", "/api/v1/rules").get_json()
    assert len(rules) == len(catalogue.rules) and rules[0]["id"] == "ALG-001" and "weight" in rules[0]


def test_tokens_are_made_and_revoked_in_the_web_app(app, client):
    login(client, "officer")
    assert client.post("/account/api-tokens/", data={"name": ""}).status_code == 422
    page = client.post("/account/api-tokens/", data={"name": "zaaksysteem"}).get_data(as_text=True)
    value = re.search(r'<code class="secret">(bbs_[^<]+)</code>', page).group(1)
    headers = {"Authorization": f"Bearer {value}"}
    api = app.test_client()  # no session cookie: only the token counts
    assert api.get("/api/v1/scan-types", headers=headers).status_code == 200
    listing = client.get("/account/api-tokens/").get_data(as_text=True)
    assert "zaaksysteem" in listing and value not in listing  # the secret is shown once only
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken)).one().id
    client.post("/uitloggen")
    login(client, "officer2")
    assert client.post(f"/account/api-tokens/{token_id}/intrekken").status_code == 404  # not a colleague's
    client.post("/uitloggen")
    login(client, "officer")
    assert client.post(f"/account/api-tokens/{token_id}/intrekken").status_code == 302
    assert api.get("/api/v1/scan-types", headers=headers).status_code == 401
