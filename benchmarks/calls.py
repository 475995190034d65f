"""Phone calls under load (#8): turn overhead with 1, 100 and 500 calls at once, the TwiML
webhook at 200 requests a second, and the offline engine's full answer.

Run: `make bench` (or `.venv/bin/python -m benchmarks.calls`). Three processes share the
machine, so that no one of them measures itself:
- the app: `create_api()` under one uvicorn (one app process of a deployment), with
  LLM_API_KEY/LLM_BASE_URL pointing at the fake model, so every call gets the model engine
  (and retrieval embeds each question through the same endpoint, as in production);
- the fake model: tests/fakes/openai_server.py, its first token TTFT_S after each chat request
  (embeddings answer at once), one thread per request;
- this process: throwaway embedded PostgreSQL and Redis, the seed (one tenant, one active
  agent with the Bright Smile KB, one sandbox number), and the simulated Twilio
  (tests/fakes/twilio_phone.py: signed webhooks, ConversationRelay clients), all calls on one
  event loop.

1. Turn overhead: each call is dialled (signed webhook), connects its relay, then asks corpus
   questions (LOADS: 40 for one call, 4 each for 100 and 500), each 5 to 10 s after the last
   answer (the answer being spoken, then the caller speaking; 0.2 to 0.4 s for one call). For every
   prompt: the time from sending it to the first `text` token, minus TTFT_S, is what the
   platform adds (relay, language detection, retrieval, prompt, records, the socket). A session
   is dropped when its webhook, connection or a turn fails (closed, or no answer in
   TURN_TIMEOUT_S) before the caller hangs up. Bounds: p95 <= 40 ms at 100 calls; none dropped
   at 500.
2. Webhook: signed POST /api/twilio/voice (a new CallSid each), open loop at 100 a second for
   5 s, then 200 a second for 10 s; latency from each request's scheduled time, and the app's
   CPU a request. Bound at 200/s: p95 <= 100 ms, no error.
3. Offline engine: the rules engine (as calls use it, language-aware) answers every question of
   shared/sites/*/questions.jsonl from its site's KB, built offline as `voice-platform kb build
   --offline` builds it, retriever warmed. Bound: p95 <= 150 ms.

Prints each figure with its bound; exits non-zero when a bound is missed. `--webhook` runs
the webhook part alone (no offline engine, no turn overhead): a minute instead of several."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.crawl import SHARED, SITES, served

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "bright_smile_kb.json"
DATA = Path(tempfile.gettempdir()) / "bench-calls"
NUMBER = "+15550100001"
SECRET_KEY = "bench-calls-" + "k" * 40

TTFT_S = 0.2
TURN_TIMEOUT_S = 15.0
# (calls at once, prompts per call, pause before each prompt in seconds)
LOADS = ((1, 40, (0.2, 0.4)), (100, 4, (5.0, 10.0)), (500, 4, (5.0, 10.0)))
DIALS_AT_ONCE = 25
OVERHEAD_P95_BOUND_MS, OVERHEAD_AT = 40.0, 100
DROPPED_BOUND, DROPPED_AT = 0, 500
# (requests a second, seconds, p95 bound in ms or None): 100/s shows where the knee is.
WEBHOOK_RATES = ((100, 5, None), (200, 10, 100.0))
OFFLINE_P95_BOUND_MS = 150.0
# The fake model calls tools on these words, and these end a call: not in the prompts.
NOT_SAID = ("transfer", "message", "bye", "that's all", "that's it", "nothing else")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def questions(site: str) -> list[str]:
    lines = (SHARED / "sites" / site / "questions.jsonl").read_text().splitlines()
    return [json.loads(line)["q"] for line in lines if line.strip()]


# --- the other processes -----------------------------------------------------------------------


def serve_model() -> None:
    """The fake model, in its own process: its first token TTFT_S after each chat request."""
    from http.server import ThreadingHTTPServer

    from tests.fakes.openai_server import FakeOpenAI

    # The default listen backlog (5) drops bursts of connections, which then wait a second
    # for the SYN to be sent again: that is the fake's limit, not the app's.
    ThreadingHTTPServer.request_queue_size = 1024

    class FirstTokenAfter(FakeOpenAI):
        def conversation(self, body: dict[str, Any]) -> Any:
            time.sleep(TTFT_S)  # in the request's own thread, before the first chunk
            return super().conversation(body)

    fake = FirstTokenAfter().start()
    print(fake.base_url, flush=True)
    with suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)


def serve_app(port: int) -> None:
    """The app, in its own process, as one uvicorn serves it."""
    import uvicorn

    from voice_platform.api import create_api

    uvicorn.run(create_api(), host="127.0.0.1", port=port, log_level="warning")


@contextmanager
def process(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """A child of this module; its first line of output is read, the rest goes to a log."""
    log = (DATA / f"{args[0]}.log").open("w")
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.calls", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE if args[0] == "model" else log,
        stderr=log, text=True,
    )  # fmt: skip
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()  # uvicorn waits for open sockets to close
            child.wait()
        log.close()


@contextmanager
def embedded(folder: Path) -> Iterator[dict[str, str]]:
    from voice_platform.config import get_settings
    from voice_platform.db import dispose_engines
    from voice_platform.runtime.embedded import EmbeddedPostgres, EmbeddedRedis
    from voice_platform.runtime.migrations import upgrade

    postgres, redis = EmbeddedPostgres(folder / "pg"), EmbeddedRedis(folder / "redis")
    os.environ["DATABASE_URL"] = postgres.start()
    try:
        os.environ["REDIS_URL"] = redis.start()
        get_settings.cache_clear()
        upgrade()
        yield {"DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ["REDIS_URL"]}
    finally:
        dispose_engines()
        redis.stop()
        postgres.destroy()


def seed() -> None:
    from voice_platform.db import platform_session
    from voice_platform.models import (
        AfterHours,
        Agent,
        AgentStatus,
        KnowledgeRecord,
        PhoneNumber,
        Tenant,
    )

    with platform_session("benchmark seed") as session:
        tenant = Tenant(name="Bright Smile Dental", slug=f"bench-{uuid.uuid4().hex[:8]}")
        session.add(tenant)
        session.flush()
        agent = Agent(
            tenant_id=tenant.id,
            name="Bright Smile Dental",
            greeting="Thanks for calling Bright Smile Dental, how can I help?",
            status=AgentStatus.ACTIVE,
            transfer_number="+15550009999",
            after_hours=AfterHours.TRANSFER,
            languages=["en", "es"],
        )
        session.add(agent)
        session.flush()
        document = json.loads(FIXTURE.read_text())
        session.add(KnowledgeRecord(agent_id=agent.id, tenant_id=tenant.id, document=document))
        session.add(
            PhoneNumber(
                tenant_id=tenant.id,
                provider="sandbox",
                provider_sid=f"SB{uuid.uuid4().hex}",
                number=NUMBER,
                friendly_name="(555) 010-0001",
                agent_id=agent.id,
            )
        )


# --- 1. turn overhead ---------------------------------------------------------------------------


@dataclass
class Load:
    calls: int
    overheads: list[float] = field(default_factory=list)  # ms
    dropped: int = 0
    ready: int = 0  # calls connected or failed
    cpu: tuple[float, ...] = ()  # cores busy: the app, the model, the simulated Twilio
    all_ready: asyncio.Event = field(default_factory=asyncio.Event)
    reasons: dict[str, int] = field(default_factory=dict)

    def arrived(self) -> None:
        self.ready += 1
        if self.ready == self.calls:
            self.all_ready.set()

    def drop(self, reason: str) -> None:
        self.dropped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


async def first_token_after(call: Any, said: str) -> float:
    """Say `said`; seconds until the first word of the answer. Reads the turn to its end."""
    sent = time.perf_counter()
    await call.send({"type": "prompt", "voicePrompt": said, "lang": "en-US", "last": True})
    first: float | None = None
    deadline = sent + TURN_TIMEOUT_S
    while True:
        raw = await asyncio.wait_for(call.socket.recv(), deadline - time.perf_counter())
        message = json.loads(raw)
        if message["type"] == "end":
            raise RuntimeError("the agent ended the call")
        if message["type"] != "text":
            continue
        if first is None and message["token"]:
            first = time.perf_counter()
        if message.get("last"):
            if first is None:
                raise RuntimeError("a turn with no words")
            return first - sent


async def one_call(
    network: Any,
    load: Load,
    dials: asyncio.Semaphore,
    start: asyncio.Event,
    prompts: int,
    pause: tuple[float, float],
    said: list[str],
) -> None:
    from tests.fakes.twilio_phone import PhoneCall, new_call_sid

    rng = random.Random()  # noqa: S311 - pauses and phrasing, not secrets
    call = PhoneCall(network, new_call_sid(), f"+1555{rng.randrange(10**7):07d}", NUMBER)
    stage = "webhook"
    try:
        try:
            async with dials:
                response = await call.ring()
                if response.status_code != 200 or call.relay() is None:
                    raise RuntimeError(f"webhook answered {response.status_code}")
                stage = "connect"
                await call.connect()
        finally:
            load.arrived()
        await start.wait()
        stage = "turn"
        for _ in range(prompts):
            await asyncio.sleep(rng.uniform(*pause))
            seconds = await first_token_after(call, rng.choice(said))
            load.overheads.append((seconds - TTFT_S) * 1000)
        stage = "hang up"
        await call.hang_up()
    except Exception as exc:  # every failure is a dropped session
        load.drop(f"{stage}: {type(exc).__name__}")
        if call.socket is not None:
            with suppress(Exception):
                await call.socket.close()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def turn_overhead(base: str, token: str, app: int, model: int) -> list[Load]:
    from tests.fakes.twilio_phone import Network

    said = [
        q
        for site in SITES
        for q in questions(site)
        if not any(word in q.lower() for word in NOT_SAID)
    ]
    results = []
    for calls, prompts, pause in LOADS:
        network = Network(base, token)
        await network.http.aclose()
        network.http = httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=DIALS_AT_ONCE * 2)
        )
        load = Load(calls)
        dials, start = asyncio.Semaphore(DIALS_AT_ONCE), asyncio.Event()
        began = time.perf_counter()
        cpu = cpu_seconds(app), cpu_seconds(model), sum(os.times()[:2])
        tasks = [
            asyncio.create_task(one_call(network, load, dials, start, prompts, pause, said))
            for _ in range(calls)
        ]
        # Every call connected (or failed) before the first question: N calls at once.
        await load.all_ready.wait()
        connected = time.perf_counter() - began
        start.set()
        await asyncio.gather(*tasks)
        await network.aclose()
        wall = time.perf_counter() - began
        used = cpu_seconds(app) - cpu[0], cpu_seconds(model) - cpu[1], sum(os.times()[:2]) - cpu[2]
        load.cpu = tuple(seconds / wall for seconds in used)
        print(
            f"  {calls} calls: connected in {connected:.1f} s, {len(load.overheads)} turns in "
            f"{wall:.1f} s; cores busy: app {load.cpu[0]:.2f}, model {load.cpu[1]:.2f}, "
            f"Twilio {load.cpu[2]:.2f}",
            flush=True,
        )
        results.append(load)
        await asyncio.to_thread(settle, app)
    return results


# --- 2. the webhook at a steady rate --------------------------------------------------------


@dataclass
class Hooks:
    rate: int
    latencies: list[float]  # ms, from each request's scheduled time
    errors: int
    achieved: float  # requests a second actually sent
    app_ms: float  # the app's CPU per request
    bound: float | None


async def webhook(base: str, token: str, rate: int, seconds: int) -> tuple[list[float], int, float]:
    """Latencies (ms, from each request's scheduled time), errors, and the rate achieved."""
    from tests.fakes.twilio_phone import ACCOUNT_SID, Network, new_call_sid

    network = Network(base, token)
    await network.http.aclose()
    network.http = httpx.AsyncClient(
        timeout=30, limits=httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    )
    latencies: list[float] = []
    errors = 0

    async def ring(at: float) -> None:
        nonlocal errors
        params = {
            "CallSid": new_call_sid(),
            "AccountSid": ACCOUNT_SID,
            "From": "+15557654321",
            "To": NUMBER,
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            "CallStatus": "ringing",
        }
        try:
            response = await network.post("/api/twilio/voice", params)
            ok = response.status_code == 200 and "<ConversationRelay" in response.text
        except httpx.HTTPError:
            ok = False
        latencies.append((time.perf_counter() - at) * 1000)
        errors += not ok

    total = rate * seconds
    began = time.perf_counter() + 0.1
    tasks = []
    for number in range(total):
        at = began + number / rate
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        tasks.append(asyncio.create_task(ring(at)))
    sent = time.perf_counter() - began
    await asyncio.gather(*tasks)
    await network.aclose()
    return latencies, errors, total / sent


# --- 3. the offline engine ----------------------------------------------------------------------


def offline_answers() -> tuple[list[float], list[tuple[float, str]]]:
    """Milliseconds per full answer over every corpus question, and the slowest three."""
    from voice_platform.conversation.model_engine import engine_for
    from voice_platform.conversation.retrieval import Retriever
    from voice_platform.conversation.turns import Turn, TurnContext
    from voice_platform.crawl.crawler import Limits
    from voice_platform.extract.build import build_kb
    from voice_platform.providers.llm.local import LocalEmbedder

    embedder = LocalEmbedder()
    engine = engine_for(None)

    async def answer(context: TurnContext) -> Turn:
        async for piece in engine.reply(context):
            if isinstance(piece, Turn):
                return piece
        raise AssertionError("no turn")

    async def timed(kb: Any, retriever: Any, asked: list[str]) -> list[float]:
        for question in asked[:3]:  # warm: the model's first runs and the caches
            await answer(TurnContext(question=question, kb=kb, retriever=retriever))
        spent = []
        for question in asked:
            context = TurnContext(question=question, kb=kb, retriever=retriever)
            started = time.perf_counter()
            await answer(context)
            spent.append((time.perf_counter() - started) * 1000)
        return spent

    timings: list[tuple[float, str]] = []
    for site in SITES:
        with served(SHARED / "sites" / site / "site", DATA / "site.log", 0) as url:
            kb = asyncio.run(
                build_kb(url, embedder, limits=Limits(max_pages=50), allow_private=True)
            ).kb
        asked = questions(site)
        spent = asyncio.run(timed(kb, Retriever(kb, embedder), asked))
        timings += zip(spent, asked, strict=True)
    return [ms for ms, _ in timings], sorted(timings, reverse=True)[:3]


# --- the run ------------------------------------------------------------------------------------


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with suppress(httpx.HTTPError):
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"the app did not start: see {DATA / 'app.log'}")


def settle(pid: int, limit: float = 30.0) -> None:
    """Wait until the process is (nearly) idle: what the last phase left is written."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(0.5)
        if cpu_seconds(pid) - before < 0.05:
            return


def verdict(value: float, bound: float) -> tuple[str, bool]:
    missed = value > bound
    return ("MISSED" if missed else "ok"), missed


def main(webhook_only: bool = False) -> int:
    from voice_platform.runtime.embedded import free_port

    DATA.mkdir(parents=True, exist_ok=True)
    offline: list[float] = []
    slowest: list[tuple[float, str]] = []
    if not webhook_only:
        print("offline engine: building the four corpus KBs offline...", flush=True)
        offline, slowest = offline_answers()

    os.environ.update(SECRET_KEY=SECRET_KEY, ENVIRONMENT="test", LOG_LEVEL="WARNING")
    for name in ("PUBLIC_BASE_URL", "LLM_API_KEY", "LLM_BASE_URL"):
        os.environ.pop(name, None)
    from voice_platform.config import get_settings
    from voice_platform.services.calls import sandbox_auth_token

    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="run-", dir=DATA)))
        env = {**os.environ, **stack.enter_context(embedded(folder))}
        seed()
        get_settings.cache_clear()
        token = sandbox_auth_token()
        model = stack.enter_context(process(["model"], env))
        assert model.stdout is not None
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        app_env = env | {
            "PUBLIC_BASE_URL": base,
            "LLM_API_KEY": "sk-bench",
            "LLM_BASE_URL": model.stdout.readline().strip(),
            "CALL_SILENCE_SECONDS": "120",
        }
        app = stack.enter_context(process(["app", str(port)], app_env))
        wait_until_up(base)
        hooks = []
        for rate, seconds, bound in WEBHOOK_RATES:
            print(f"webhook: {rate}/s for {seconds} s...", flush=True)
            cpu = cpu_seconds(app.pid)
            latencies, errors, achieved = asyncio.run(webhook(base, token, rate, seconds))
            app_ms = (cpu_seconds(app.pid) - cpu) * 1000 / len(latencies)
            hooks.append(Hooks(rate, latencies, errors, achieved, app_ms, bound))
            settle(app.pid)
        loads = []
        if not webhook_only:
            print(
                f"turn overhead (fake model, first token after {TTFT_S * 1000:.0f} ms):",
                flush=True,
            )
            loads = asyncio.run(turn_overhead(base, token, app.pid, model.pid))

    missed = False
    print()
    print(f"{'turn overhead':<28}{'turns':>7}{'p50 ms':>9}{'p95 ms':>9}{'dropped':>9}")
    for load in loads:
        p50 = statistics.median(load.overheads) if load.overheads else float("nan")
        p95 = percentile(load.overheads, 0.95) if load.overheads else float("nan")
        notes = []
        if load.calls == OVERHEAD_AT:
            word, late = verdict(p95, OVERHEAD_P95_BOUND_MS)
            missed |= late
            notes.append(f"p95 bound {OVERHEAD_P95_BOUND_MS:g} ms: {word}")
        if load.calls == DROPPED_AT:
            word, lost = verdict(load.dropped, DROPPED_BOUND)
            missed |= lost
            notes.append(f"dropped bound {DROPPED_BOUND}: {word}")
        if load.reasons:
            notes.append(", ".join(f"{k} x{v}" for k, v in sorted(load.reasons.items())))
        label = f"{load.calls} call{'s' if load.calls > 1 else ''} at once"
        print(
            f"{label:<28}{len(load.overheads):>7}{p50:>9.1f}{p95:>9.1f}{load.dropped:>9}"
            + (f"  ({'; '.join(notes)})" if notes else "")
        )
    print()
    for hook in hooks:
        p95 = percentile(hook.latencies, 0.95)
        note = ""
        if hook.bound is not None:
            late = p95 > hook.bound or hook.errors > 0
            missed |= late
            note = f"  (p95 bound {hook.bound:g} ms, no error: {'MISSED' if late else 'ok'})"
        print(
            f"webhook /api/twilio/voice at {hook.rate}/s (sent {hook.achieved:.0f}/s): "
            f"{len(hook.latencies)} requests, p50 {statistics.median(hook.latencies):.1f} ms, "
            f"p95 {p95:.1f} ms, p99 {percentile(hook.latencies, 0.99):.1f} ms, "
            f"errors {hook.errors}, app CPU {hook.app_ms:.1f} ms a request{note}"
        )
    if webhook_only:
        return 1 if missed else 0
    off_p95 = percentile(offline, 0.95)
    word, late = verdict(off_p95, OFFLINE_P95_BOUND_MS)
    missed |= late
    print(
        f"\noffline engine full answer, {len(offline)} questions: p50 "
        f"{statistics.median(offline):.1f} ms, p95 {off_p95:.1f} ms, max {max(offline):.1f} ms"
        f"  (p95 bound {OFFLINE_P95_BOUND_MS:g} ms: {word})"
    )
    for ms, question in slowest:
        print(f"  slowest: {ms:6.1f} ms  {question}")
    return 1 if missed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["model"]:
        serve_model()
    elif sys.argv[1:2] == ["app"]:
        serve_app(int(sys.argv[2]))
    else:
        raise SystemExit(main(webhook_only="--webhook" in sys.argv[1:]))
