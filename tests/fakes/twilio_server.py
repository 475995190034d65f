"""A local stand-in for Twilio's REST API 2010-04-01, shaped by
shared/contracts/twilio_api_v2010.subset.json: available numbers (Local, TollFree) and the
account's incoming numbers (list, buy, fetch, update, release).

Requests come as Twilio takes them: HTTP Basic auth (account SID, auth token), query strings
and form-encoded bodies with PascalCase names. A request the contract does not allow (a name it
does not list, a value of the wrong type or outside its enum; checked with openapi-core) is
refused with a 400, so the adapter cannot drift from the spec unnoticed. Answers are JSON with every
field of the contract's resources. Errors use Twilio's legacy JSON body (`code`, `message`,
`more_info`, `status`), which the SDK parses; codes without a better one are 20000 + status,
as Twilio's own 20404 and 20429 are.

State: the numbers for sale (`available`, fictional 555-01xx numbers) and the numbers each
account bought (`owned`: account SID -> number SID -> resource).

Knobs: `latency` (seconds before answering), `fail_next` (statuses to answer before doing
anything, e.g. [429, 500]; 429 carries `retry_after`; `fail_next_purchase` only for buying a
number), `fail_next_after_work` (do the work,
then answer these statuses: an answer lost on the way back), `malformed` (successful answers
of the wrong shape), `unavailable` (numbers someone else just bought: buying one answers 400
code 21422), `trial` (a trial account may own one number: the second answers 400 code 21404),
`max_page_size` (pages are at most this long). Wrong credentials answer 401 code 20003.
Every request, with the answer it got, is kept in `requests`.

`contract_errors(exchange)` checks one exchange against the contract with openapi-core."""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests.shared import SHARED

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "fa4e70ce11be4b6a87f0a1ceb1e5ec7e"
TWILIO_HOST = "https://api.twilio.com"
ACCOUNTS = "/2010-04-01/Accounts"
FORM = "application/x-www-form-urlencoded"

AVAILABLE_PATH = re.compile(
    rf"^{ACCOUNTS}/(?P<account>[^/]+)/AvailablePhoneNumbers/(?P<country>[^/]+)/"
    r"(?P<kind>Local|TollFree)\.json$"
)
NUMBERS_PATH = re.compile(rf"^{ACCOUNTS}/(?P<account>[^/]+)/IncomingPhoneNumbers\.json$")
NUMBER_PATH = re.compile(
    rf"^{ACCOUNTS}/(?P<account>[^/]+)/IncomingPhoneNumbers/(?P<sid>[^/]+)\.json$"
)
KEYS = ("abc", "def", "ghi", "jkl", "mno", "pqrs", "tuv", "wxyz")  # on the keys 2 to 9
KEYPAD = {letter: str(key) for key, letters in enumerate(KEYS, start=2) for letter in letters}

# Operations as the contract names them: (path pattern, method) -> operationId.
OPERATIONS = {
    (AVAILABLE_PATH, "GET"): None,  # Local or TollFree, read from the path
    (NUMBERS_PATH, "GET"): "ListIncomingPhoneNumber",
    (NUMBERS_PATH, "POST"): "CreateIncomingPhoneNumber",
    (NUMBER_PATH, "GET"): "FetchIncomingPhoneNumber",
    (NUMBER_PATH, "POST"): "UpdateIncomingPhoneNumber",
    (NUMBER_PATH, "DELETE"): "DeleteIncomingPhoneNumber",
}


def contract() -> dict[str, Any]:
    return dict(json.loads((SHARED / "contracts" / "twilio_api_v2010.subset.json").read_text()))


@cache
def operations() -> dict[str, dict[str, Any]]:
    found = {}
    for item in contract()["paths"].values():
        for method in ("get", "post", "delete"):
            if method in item:
                found[item[method]["operationId"]] = item[method]
    return found


@cache
def query_names(operation_id: str) -> frozenset[str]:
    parameters = operations()[operation_id].get("parameters", [])
    return frozenset(p["name"] for p in parameters if p["in"] == "query")


@cache
def form_names(operation_id: str) -> frozenset[str]:
    body = operations()[operation_id].get("requestBody", {}).get("content", {})
    return frozenset(body.get(FORM, {}).get("schema", {}).get("properties", {}))


def listing(
    number: str,
    locality: str | None,
    region: str | None,
    postal_code: str | None,
    where: tuple[float, float] | None,
    *,
    toll_free: bool = False,
    sms: bool = True,
) -> dict[str, Any]:
    """An available number, every field of the contract's schema present."""
    national = number[2:]
    return {
        "friendly_name": f"({national[:3]}) {national[3:6]}-{national[6:]}",
        "phone_number": number,
        "lata": None if toll_free else "558",
        "locality": locality,
        "rate_center": locality.upper() if locality else None,
        "latitude": where[0] if where else None,
        "longitude": where[1] if where else None,
        "region": region,
        "postal_code": postal_code,
        "iso_country": "US",
        "address_requirements": "none",
        "beta": False,
        "capabilities": {"voice": True, "sms": sms, "mms": sms, "fax": False},
    }


def inventory() -> dict[str, dict[str, Any]]:
    """number -> (kind, listing). Fictional numbers only (555-0100 to 555-0199)."""
    austin, new_york, denver = (30.27, -97.74), (40.71, -74.01), (39.74, -104.99)
    local = [
        listing("+15125550100", "Austin", "TX", "78701", austin),
        listing("+15125550101", "Austin", "TX", "78701", austin),
        listing("+15125550142", "Austin", "TX", "78702", austin, sms=False),
        listing("+17375550123", "Austin", "TX", "78704", austin),
        listing("+12125550175", "New York", "NY", "10001", new_york),
        listing("+13035550111", "Denver", "CO", "80202", denver),
        listing("+13035550188", "Denver", "CO", "80203", denver),
    ]
    toll_free = [
        listing("+18005550199", None, None, None, None, toll_free=True),
        listing("+18885550102", None, None, None, None, toll_free=True),
        listing("+18775550150", None, None, None, None, toll_free=True),
    ]
    found = {entry["phone_number"]: {"kind": "Local", **entry} for entry in local}
    found |= {entry["phone_number"]: {"kind": "TollFree", **entry} for entry in toll_free}
    return found


def contains_pattern(pattern: str) -> re.Pattern[str]:
    """Twilio's Contains: letters as keypad digits, `*` one character, `%` any run of them,
    a leading `+` anchors at the start of the national number, a trailing `$` at its end."""
    start = pattern.startswith("+")
    end = pattern.endswith("$")
    core = pattern.strip("+$").lower()
    body = "".join(
        "." if c == "*" else ".*" if c == "%" else re.escape(KEYPAD.get(c, c)) for c in core
    )
    return re.compile(("^" if start else "") + body + ("$" if end else ""))


def error_body(status: int, message: str, code: int | None = None) -> dict[str, Any]:
    code = code or {401: 20003}.get(status, 20000 + status)
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": message, "more_info": more_info, "status": status}


def rfc2822(moment: datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(UTC)).replace("-0000", "+0000")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass
class Exchange:
    """One request the fake received and what it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    body: bytes
    content_type: str
    headers: dict[str, str]
    account: str | None  # the user name of the Basic auth, if any
    at: float
    password: str | None = field(default=None, repr=False)
    status: int = 0
    answer: bytes = b""
    answer_headers: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> dict[str, str]:
        """Query and form parameters, first value of each."""
        return {name: values[0] for name, values in (self.query | self.form).items()}

    def json(self) -> Any:
        return json.loads(self.answer)


Answer = tuple[int, Any, dict[str, str]]


@dataclass
class FakeTwilio:
    accounts: dict[str, str] = field(default_factory=lambda: {ACCOUNT_SID: AUTH_TOKEN})
    latency: float = 0.0
    fail_next: list[int] = field(default_factory=list)
    retry_after: int = 0
    fail_next_after_work: list[int] = field(default_factory=list)
    fail_next_purchase: list[int] = field(default_factory=list)
    malformed: bool = False
    unavailable: set[str] = field(default_factory=set)
    trial: bool = False
    max_page_size: int = 1000
    available: dict[str, dict[str, Any]] = field(default_factory=inventory)
    owned: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    requests: list[Exchange] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    bought: int = 0

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def numbers_of(self, account: str = ACCOUNT_SID) -> dict[str, dict[str, Any]]:
        return self.owned.setdefault(account, {})

    # Operations: each answers (status, JSON body or None, extra headers).

    def search(self, exchange: Exchange, country: str, kind: str) -> Answer:
        query = exchange.fields
        matches = [
            {key: value for key, value in entry.items() if key != "kind"}
            for entry in self.available.values()
            if entry["kind"] == kind
            and entry["iso_country"] == country
            and entry["phone_number"] not in self.unavailable
            and self._matches(entry, query)
        ]
        size = min(int(query.get("PageSize", 50)), self.max_page_size)
        uri = exchange.path
        return 200, self._page("available_phone_numbers", matches[:size], uri, 0, size, False), {}

    @staticmethod
    def _matches(entry: dict[str, Any], query: dict[str, str]) -> bool:
        national = entry["phone_number"][2:]
        capabilities = entry["capabilities"]
        checks = [
            ("AreaCode", lambda v: national.startswith(v)),
            ("InRegion", lambda v: entry["region"] == v),
            ("InLocality", lambda v: entry["locality"] == v),
            ("InPostalCode", lambda v: entry["postal_code"] == v),
            ("Contains", lambda v: bool(contains_pattern(v).search(national))),
            ("VoiceEnabled", lambda v: capabilities["voice"] == (v.lower() == "true")),
            ("SmsEnabled", lambda v: capabilities["sms"] == (v.lower() == "true")),
            ("MmsEnabled", lambda v: capabilities["mms"] == (v.lower() == "true")),
        ]
        return all(check(query[name]) for name, check in checks if name in query)

    def list_numbers(self, exchange: Exchange, account: str) -> Answer:
        query = exchange.fields
        rows = [
            number
            for number in self.numbers_of(account).values()
            if query.get("PhoneNumber", number["phone_number"]) == number["phone_number"]
            and query.get("FriendlyName", number["friendly_name"]) == number["friendly_name"]
        ]
        size = min(int(query.get("PageSize", 50)), self.max_page_size)
        page = int(query.get("Page", 0))
        chunk = rows[page * size : (page + 1) * size]
        more = len(rows) > (page + 1) * size
        body = self._page("incoming_phone_numbers", chunk, exchange.path, page, size, more)
        return 200, body, {}

    def buy(self, exchange: Exchange, account: str) -> Answer:
        form = exchange.fields
        if problem := self._method_problem(form):
            return 400, error_body(400, problem), {}
        number = form.get("PhoneNumber")
        if number is None and "AreaCode" in form:
            in_area = [
                number
                for number, entry in self.available.items()
                if entry["kind"] == "Local" and number[2:].startswith(form["AreaCode"])
            ]
            number = in_area[0] if in_area else None
            if number is None:
                return 400, error_body(400, "No numbers are available in that area code."), {}
        if number is None:
            message = "Required parameter PhoneNumber or AreaCode missing."
            return 400, error_body(400, message), {}
        if not re.fullmatch(r"\+[1-9]\d{6,14}", number):
            return 400, error_body(400, f"The phone number {number} is invalid.", 21421), {}
        if number in self.unavailable or number not in self.available:
            return 400, error_body(400, f"The phone number {number} is not available.", 21422), {}
        if self.trial and self.numbers_of(account):
            message = (
                "Trial accounts are allowed only one Twilio number. "
                "To purchase additional numbers, please upgrade your account."
            )
            return 400, error_body(400, message, 21404), {}
        entry = self.available.pop(number)
        self.bought += 1
        digest = hashlib.sha256(f"{account}{number}{self.bought}".encode()).hexdigest()
        sid = f"PN{digest[:32]}"
        resource = self._new_number(account, sid, entry)
        self._apply(resource, form, exclude={"PhoneNumber", "AreaCode"})
        self.numbers_of(account)[sid] = resource
        return 201, resource, {}

    def fetch(self, account: str, sid: str) -> Answer:
        return 200, self.numbers_of(account)[sid], {}

    def update(self, exchange: Exchange, account: str, sid: str) -> Answer:
        form = exchange.fields
        if problem := self._method_problem(form):
            return 400, error_body(400, problem), {}
        if "AccountSid" in form:
            return 400, error_body(400, "Moving numbers between accounts is not simulated."), {}
        resource = self.numbers_of(account)[sid]
        self._apply(resource, form, exclude=set())
        resource["date_updated"] = rfc2822(datetime.now(UTC))
        return 200, resource, {}

    def release(self, account: str, sid: str) -> Answer:
        del self.numbers_of(account)[sid]
        return 204, None, {}

    @staticmethod
    def _method_problem(form: dict[str, str]) -> str | None:
        for name in ("VoiceMethod", "StatusCallbackMethod", "VoiceFallbackMethod", "SmsMethod"):
            if name in form and form[name] not in ("GET", "POST"):
                return f"{name} must be GET or POST, not {form[name]!r}."
        return None

    @staticmethod
    def _apply(resource: dict[str, Any], form: dict[str, str], exclude: set[str]) -> None:
        for name, value in form.items():
            if name in exclude:
                continue
            key = snake(name)
            resource[key] = value.lower() == "true" if key == "voice_caller_id_lookup" else value

    @staticmethod
    def _new_number(account: str, sid: str, entry: dict[str, Any]) -> dict[str, Any]:
        now = rfc2822(datetime.now(UTC))
        return {
            "account_sid": account,
            "address_sid": None,
            "address_requirements": entry["address_requirements"],
            "api_version": "2010-04-01",
            "beta": False,
            "capabilities": dict(entry["capabilities"]),
            "date_created": now,
            "date_updated": now,
            "friendly_name": entry["friendly_name"],
            "identity_sid": None,
            "phone_number": entry["phone_number"],
            "origin": "twilio",
            "sid": sid,
            "sms_application_sid": None,
            "sms_fallback_method": "POST",
            "sms_fallback_url": None,
            "sms_method": "POST",
            "sms_url": None,
            "status_callback": None,
            "status_callback_method": "POST",
            "trunk_sid": None,
            "uri": f"{ACCOUNTS}/{account}/IncomingPhoneNumbers/{sid}.json",
            "voice_receive_mode": "voice",
            "voice_application_sid": None,
            "voice_caller_id_lookup": False,
            "voice_fallback_method": "POST",
            "voice_fallback_url": None,
            "voice_method": "POST",
            "voice_url": None,
            "emergency_status": "Inactive",
            "emergency_address_sid": None,
            "emergency_address_status": "unregistered",
            "bundle_sid": None,
            "status": "in-use",
            "type": "toll-free" if entry["kind"] == "TollFree" else "local",
        }

    @staticmethod
    def _page(
        key: str, rows: list[dict[str, Any]], uri: str, page: int, size: int, more: bool
    ) -> dict[str, Any]:
        def at(number: int) -> str:
            return f"{uri}?{urlencode({'PageSize': size, 'Page': number})}"

        return {
            key: rows,
            "end": page * size + max(len(rows) - 1, 0),
            "first_page_uri": at(0),
            "next_page_uri": at(page + 1) if more else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": at(page - 1) if page else None,
            "start": page * size,
            "uri": at(page),
        }

    # Serving.

    def answer(self, exchange: Exchange) -> Answer:
        """Authenticate, route, check the parameters against the contract, and do the work."""
        time.sleep(self.latency)
        buying = exchange.method == "POST" and bool(NUMBERS_PATH.match(exchange.path))
        with self.lock:
            status = self.fail_next.pop(0) if self.fail_next else None
            if status is None and buying and self.fail_next_purchase:
                status = self.fail_next_purchase.pop(0)
        if status is not None:
            headers = {"Retry-After": str(self.retry_after)} if status == 429 else {}
            return status, error_body(status, "Fake failure, as asked."), headers
        token = self.accounts.get(exchange.account or "")
        if token is None or token != exchange.password:
            challenge = {"WWW-Authenticate": 'Basic realm="Twilio API"'}
            return 401, error_body(401, "Authenticate"), challenge
        not_found = error_body(404, f"The requested resource {exchange.path} was not found")
        routed = route(exchange)
        if routed is None or routed[1]["account"] != exchange.account:
            return 404, not_found, {}
        operation_id, found = routed
        if problem := request_problem(exchange, operation_id):
            return 400, error_body(400, problem), {}
        if "sid" in found and found["sid"] not in self.numbers_of(found["account"]):
            return 404, not_found, {}
        with self.lock:
            answer = self._work(operation_id, exchange, found)
            lost = self.fail_next_after_work.pop(0) if self.fail_next_after_work else None
        if lost is not None and answer[0] < 400:
            return lost, error_body(lost, "Fake failure after the work was done."), {}
        if self.malformed and answer[0] < 300 and answer[1] is not None:
            return answer[0], self._broken(answer[1]), answer[2]
        return answer

    def _work(self, operation_id: str, exchange: Exchange, found: dict[str, str]) -> Answer:
        account = found["account"]
        if operation_id.startswith("ListAvailablePhoneNumber"):
            return self.search(exchange, found["country"], found["kind"])
        if operation_id == "ListIncomingPhoneNumber":
            return self.list_numbers(exchange, account)
        if operation_id == "CreateIncomingPhoneNumber":
            return self.buy(exchange, account)
        if operation_id == "FetchIncomingPhoneNumber":
            return self.fetch(account, found["sid"])
        if operation_id == "UpdateIncomingPhoneNumber":
            return self.update(exchange, account, found["sid"])
        return self.release(account, found["sid"])

    @staticmethod
    def _broken(body: dict[str, Any]) -> Any:
        for key in ("available_phone_numbers", "incoming_phone_numbers"):
            if key in body:
                return {**body, key: "oops"}
        return ["oops"]

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_DELETE(self) -> None:
                self._handle()

            def _handle(self) -> None:
                exchange = self._read()
                with fake.lock:
                    fake.requests.append(exchange)
                status, body, headers = fake.answer(exchange)
                payload = b"" if body is None else json.dumps(body).encode()
                exchange.answer, exchange.answer_headers = payload, dict(headers)
                exchange.status = status  # last: a status means the answer is complete
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                    exchange.answer_headers["Content-Type"] = "application/json"
                self.send_header("Content-Length", str(len(payload)))
                for key, value in headers.items():
                    self.send_header(key, value)
                try:
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client stopped waiting, as timeout tests make it

            def _read(self) -> Exchange:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                content_type = self.headers.get("Content-Type", "")
                form = {}
                if content_type.split(";")[0].strip() == FORM:
                    form = parse_qs(body.decode(), keep_blank_values=True)
                headers = {key.lower(): value for key, value in self.headers.items()}
                account, password = basic_credentials(headers.get("authorization", ""))
                return Exchange(
                    method=self.command,
                    path=url.path,
                    query=parse_qs(url.query, keep_blank_values=True),
                    form=form,
                    body=body,
                    content_type=content_type,
                    headers=headers,
                    account=account,
                    at=time.monotonic(),
                    password=password,
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval makes stop() quick.
        serve = partial(self.server.serve_forever, poll_interval=0.05)
        threading.Thread(target=serve, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def route(exchange: Exchange) -> tuple[str, dict[str, str]] | None:
    """The contract's operationId for this request and the values in its path."""
    for (pattern, method), operation_id in OPERATIONS.items():
        match = pattern.match(exchange.path)
        if match and method == exchange.method:
            found = match.groupdict()
            return operation_id or f"ListAvailablePhoneNumber{found['kind']}", found
    return None


def request_problem(exchange: Exchange, operation_id: str) -> str | None:
    """Why Twilio would refuse these parameters: a name the operation does not take (the
    contract's schemas allow extra names, Twilio does not), or a value of the wrong type."""
    unknown = (set(exchange.query) - query_names(operation_id)) | (
        set(exchange.form) - form_names(operation_id)
    )
    if unknown:
        return f"Unknown parameters: {', '.join(sorted(unknown))}."
    if exchange.body and exchange.content_type.split(";")[0].strip() != FORM:
        return f"Parameters must be sent as {FORM}."
    errors = list(openapi().iter_request_errors(as_openapi_request(exchange)))
    return "; ".join(f"{error}" for error in errors) or None


def basic_credentials(header: str) -> tuple[str | None, str | None]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return user, password


# Checking exchanges against the contract.

FORMATS = {
    # Twilio's own formats; the spec's "phone-number" also covers "(512) 555-0100", so only
    # these two are checked beyond the schema's types and patterns.
    "date-time-rfc-2822": lambda v: not isinstance(v, str) or rfc2822_ok(v),
    "iso-country-code": lambda v: not isinstance(v, str) or bool(re.fullmatch(r"[A-Z]{2}", v)),
}


def rfc2822_ok(value: str) -> bool:
    try:
        email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False
    return True


@cache
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(contract(), config=Config(extra_format_validators=FORMATS))


def as_openapi_request(exchange: Exchange) -> MockRequest:
    """The request as openapi-core reads it, sent to the host the contract names."""
    return MockRequest(
        TWILIO_HOST,
        exchange.method,
        exchange.path,
        args=exchange.query,
        headers=exchange.headers,
        data=exchange.body,
        content_type=exchange.content_type or FORM,
    )


def contract_errors(exchange: Exchange) -> list[Exception]:
    """What the contract finds wrong with this request and, for the answers it describes
    (2xx), with the answer. Error answers are checked for the legacy shape the SDK reads."""
    request = as_openapi_request(exchange)
    errors = list(openapi().iter_request_errors(request))
    if exchange.status == 0:
        return errors  # still answering a client that stopped waiting
    if 200 <= exchange.status < 300:
        content_type = exchange.answer_headers.get("Content-Type", "")
        response = MockResponse(exchange.answer, exchange.status, content_type=content_type)
        errors += openapi().iter_response_errors(request, response)
    else:
        body = exchange.json()
        shape = {"code": int, "message": str, "more_info": str, "status": int}
        if not isinstance(body, dict) or any(
            not isinstance(body.get(key), kind) for key, kind in shape.items()
        ):
            errors.append(ValueError(f"not Twilio's error shape: {body!r}"))
    return errors
