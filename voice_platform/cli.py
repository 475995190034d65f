"""The `voice-platform` command: the operator's and tester's handle on the platform."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from voice_platform import __version__
from voice_platform.config import PROJECT_ROOT, Settings, get_settings
from voice_platform.runtime.embedded import running_postgres_url

if TYPE_CHECKING:
    import uuid

    from voice_platform.knowledge.schemas import KnowledgeBase

app = typer.Typer(
    help="Voice agent platform for small businesses.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings()
        return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        console.print(f"[red]Invalid settings: {problems}[/red]")
        raise typer.Exit(2) from None


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def up(
    port: Annotated[
        int | None, typer.Option(help="Port for the UI and /api.", min=1, max=65535)
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    dev: Annotated[bool, typer.Option(help="Hot reload (UI on PORT, backend on PORT+1).")] = False,
) -> None:
    """Start the platform: embedded PostgreSQL and Redis unless configured, migrations,
    the worker and the app. Ctrl-C stops everything it started."""
    from voice_platform.runtime.supervisor import StartupError, run_up

    settings = load_settings(port=port, host=host)
    try:
        code = run_up(settings, console, dev=dev)
    except StartupError as exc:
        console.print(f"[red]{exc}[/red]")
        code = 1
    raise typer.Exit(code)


@app.command()
def serve(
    port: Annotated[
        int | None, typer.Option(help="Port for the UI and /api.", min=1, max=65535)
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
) -> None:
    """Serve the app only (production: DATABASE_URL and REDIS_URL point at your servers)."""
    from voice_platform.runtime.supervisor import child_env, reflex_command

    settings = load_settings(port=port, host=host)
    if not settings.database_url or not settings.redis_url:
        console.print(
            "[red]`serve` needs DATABASE_URL and REDIS_URL; use `up` for the embedded ones[/red]"
        )
        raise typer.Exit(2)
    env = child_env(settings, database_url=settings.database_url, redis_url=settings.redis_url)
    os.chdir(PROJECT_ROOT)
    os.execvpe(sys.executable, reflex_command(settings, dev=False), env)  # noqa: S606


@app.command()
def worker() -> None:
    """Run the arq worker (needs REDIS_URL and DATABASE_URL)."""
    from voice_platform.runtime.supervisor import worker_command

    settings = load_settings()
    if not settings.redis_url or not settings.database_url:
        console.print("[red]the worker needs DATABASE_URL and REDIS_URL[/red]")
        raise typer.Exit(2)
    os.chdir(PROJECT_ROOT)
    raise typer.Exit(subprocess.call(worker_command()))  # noqa: S603


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    down: Annotated[bool, typer.Option("--down", help="Downgrade to REVISION instead.")] = False,
) -> None:
    """Apply database migrations (to DATABASE_URL)."""
    from alembic.util import CommandError
    from sqlalchemy.exc import OperationalError

    from voice_platform.runtime import migrations

    settings = load_settings()
    if not settings.database_url:
        console.print("[red]DATABASE_URL is not set (`up` migrates the embedded database)[/red]")
        raise typer.Exit(2)
    try:
        if down:
            migrations.downgrade(revision)
        else:
            migrations.upgrade(revision)
    except CommandError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except OperationalError as exc:
        console.print(f"[red]cannot reach the database: {str(exc.orig).strip()}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Database at revision {revision}" + (" (downgraded)" if down else ""))


def database_or_exit() -> Settings:
    """The settings, with the database of a running `voice-platform up` (same DATA_DIR) when
    DATABASE_URL is not set."""
    settings = load_settings()
    if not settings.database_url:
        running = running_postgres_url(settings.data_dir / "postgres")
        if running:
            os.environ["DATABASE_URL"] = running
            get_settings.cache_clear()
            settings = load_settings()
    if not settings.database_url:
        console.print(
            "[red]DATABASE_URL is not set and no `voice-platform up` is running with this "
            "DATA_DIR: start it, or set DATABASE_URL[/red]"
        )
        raise typer.Exit(2)
    return settings


@app.command()
def outbox(
    to: Annotated[str | None, typer.Option(help="Only email to addresses containing this.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, newest first.")] = 10,
) -> None:
    """Print the email kept in the outbox (when no SMTP server is configured)."""
    from voice_platform.db import platform_session
    from voice_platform.services.email import outbox as read_outbox
    from voice_platform.services.principal import Principal

    database_or_exit()
    with platform_session("cli reads outbox") as session:
        emails = read_outbox(session, principal=Principal.operator(), to=to, limit=limit)
        if not emails:
            console.print("The outbox is empty.")
        for email in emails:
            typer.echo(f"--- {email.created_at:%Y-%m-%d %H:%M:%S} to {email.to_address}")
            typer.echo(f"Subject: {email.subject}\n\n{email.body}\n")


@app.command()
def tenants(
    search: Annotated[str, typer.Argument(help="Part of a name or slug.")] = "",
) -> None:
    """List tenants (all, or those matching SEARCH)."""
    from rich.table import Table
    from sqlmodel import col, or_, select

    from voice_platform.db import platform_session
    from voice_platform.models import Tenant

    database_or_exit()
    with platform_session("cli lists tenants") as session:
        query = select(Tenant).order_by(col(Tenant.name))
        if search:
            pattern = f"%{search}%"
            query = query.where(
                or_(col(Tenant.name).ilike(pattern), col(Tenant.slug).ilike(pattern))
            )
        rows = session.exec(query).all()
        table = Table("slug", "name", "time zone", "id")
        for tenant in rows:
            table.add_row(tenant.slug, tenant.name, tenant.time_zone, str(tenant.id))
    Console().print(table)


@app.command()
def staff(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    revoke: Annotated[bool, typer.Option("--revoke", help="Take the staff flag away.")] = False,
) -> None:
    """Give an existing account the platform-staff flag (or take it away)."""
    from sqlmodel import select

    from voice_platform.db import platform_session
    from voice_platform.models import User
    from voice_platform.services import audit

    database_or_exit()
    with platform_session("cli changes staff flag") as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            console.print(f"[red]No account with the email {email}[/red]")
            raise typer.Exit(1)
        before, user.is_staff = user.is_staff, not revoke
        session.add(user)
        audit.record(
            session,
            tenant_id=None,
            action="user.staff_flag",
            entity_type="user",
            entity_id=user.id,
            changes={"is_staff": {"before": before, "after": user.is_staff}},
        )
    console.print(f"{user.email} is {'now' if user.is_staff else 'no longer'} platform staff")


kb_app = typer.Typer(help="Knowledge bases: build one from a website.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


@kb_app.command("build")
def kb_build(
    url: Annotated[str, typer.Argument(help="The business's website.")],
    out: Annotated[
        str, typer.Option("--out", help="Where to write the KB JSON (- for stdout).")
    ] = "-",
    max_pages: Annotated[
        int | None, typer.Option(min=1, max=5000, help="Pages to read at most.")
    ] = None,
    allow_private_networks: Annotated[
        bool, typer.Option("--allow-private-networks", help="Allow loopback and private addresses.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Sort facts locally even when LLM_API_KEY is set.")
    ] = False,
) -> None:
    """Crawl a website and write its knowledge base (voice-platform.kb/1). The page text is
    read by the chat model when LLM_API_KEY is set, else (or with --offline) locally."""
    import asyncio
    from pathlib import Path

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from voice_platform.crawl.crawler import Limits
    from voice_platform.extract.build import build_kb
    from voice_platform.knowledge.document import export_json
    from voice_platform.providers.llm import ProviderError, get_chat_model, get_embedder
    from voice_platform.services.errors import ServiceError

    settings = load_settings()
    limits = Limits.from_settings(settings)
    if max_pages:
        limits = Limits(**{**vars(limits), "max_pages": max_pages})
    allow = allow_private_networks or settings.crawl_allow_private_networks
    with Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def report(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=max(total, 1))

        try:
            chat = None if offline else get_chat_model()
            result = asyncio.run(
                build_kb(
                    url,
                    get_embedder(),
                    chat=chat,
                    limits=limits,
                    allow_private=allow,
                    progress=report,
                )
            )
        except ServiceError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from None
        except ProviderError as exc:
            console.print(f"[red]The model could not read the site: {exc}[/red]")
            raise typer.Exit(1) from None
    document = export_json(result.kb)
    if out == "-":
        sys.stdout.write(document)
    else:
        Path(out).write_text(document)
    facts = sum(
        len(getattr(result.kb.categories, n).facts) for n in type(result.kb.categories).model_fields
    )
    console.print(
        f"Read {result.pages} pages in {result.seconds:.1f} s ({len(result.archived)} archived); "
        f"{facts} facts" + (f"; written to {out}" if out != "-" else "")
    )
    for old in result.superseded:
        console.print(f"Left out (another page says otherwise, {old.by_url}): {old.text[:120]}")
    if result.kb.conflicts:
        console.print(f"{len(result.kb.conflicts)} disagreement(s) flagged for review.")


@app.command()
def create(
    url: Annotated[str, typer.Argument(help="The business's website.")],
    tenant: Annotated[str, typer.Option(help="The business's slug.")] = "demo",
    area_code: Annotated[str | None, typer.Option(help="Area code of the phone number.")] = None,
    allow_private_networks: Annotated[
        bool, typer.Option("--allow-private-networks", help="Allow loopback and private addresses.")
    ] = False,
) -> None:
    """Create an agent from a website (crawl, knowledge, voice, number, activate), with a
    progress bar; prints the agent's id. Runs here, with the database `up` serves."""
    import asyncio
    import time

    from pydantic import ValidationError
    from rich.progress import BarColumn, Progress, TextColumn
    from sqlmodel import select

    from voice_platform.creation.pipeline import run_job
    from voice_platform.creation.progress import events_since
    from voice_platform.db import platform_session, tenant_session
    from voice_platform.models import Agent, CreationOptions, CreationStart, JobStatus, Role, Tenant
    from voice_platform.providers.llm import get_embedder
    from voice_platform.services import creation
    from voice_platform.services.errors import ServiceError
    from voice_platform.services.principal import Principal

    settings = database_or_exit()
    with platform_session("cli creates an agent") as session:
        found = session.exec(select(Tenant).where(Tenant.slug == tenant)).first()
    if found is None:
        console.print(
            f"[red]No business with the slug {tenant!r} (see `voice-platform tenants`)[/red]"
        )
        raise typer.Exit(1)
    owner = Principal(tenant_id=found.id, role=Role.OWNER, user_id=None)
    try:
        options = CreationOptions(
            area_code=area_code, allow_private_networks=allow_private_networks
        )
        with tenant_session(found.id) as session:
            agent = creation.start(
                session,
                principal=owner,
                tenant_id=found.id,
                data=CreationStart(url=url, options=options),
            )
            agent_id = agent.id
    except ValidationError as exc:
        console.print(f"[red]{exc.errors()[0]['msg']}[/red]")
        raise typer.Exit(1) from None
    except ServiceError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None

    async def create_and_watch() -> JobStatus:
        job = asyncio.create_task(
            run_job(agent_id, found.id, settings=settings, embedder=get_embedder())
        )
        last = 0
        with Progress(
            TextColumn("{task.description:<40}"), BarColumn(), console=console, transient=True
        ) as bar:
            task = bar.add_task("starting", total=100)
            while True:
                for event in await asyncio.to_thread(events_since, found.id, agent_id, last):
                    last = event.id or last
                    bar.update(task, description=event.message[:40], completed=event.percent)
                if job.done():
                    return job.result()
                await asyncio.sleep(0.2)

    started = time.monotonic()
    outcome = asyncio.run(create_and_watch())
    print(agent_id)
    with tenant_session(found.id) as session:
        made = session.get(Agent, agent_id)
    if outcome is not JobStatus.SUCCEEDED or made is None:
        reason = made.status_reason if made else "the agent is gone"
        console.print(f"[red]Not created: {reason}[/red]")
        raise typer.Exit(1)
    console.print(
        f"{made.name} is active on {made.phone_number} "
        f"(created in {time.monotonic() - started:.1f} s)"
    )


def kb_file_or_exit(kb: str) -> KnowledgeBase:
    """A knowledge-base export read from a file, or a clear message and exit 1."""
    import json
    from pathlib import Path

    from voice_platform.knowledge.document import parse_document
    from voice_platform.services.errors import ServiceError

    try:
        data = json.loads(Path(kb).read_text())
        return parse_document(data)
    except OSError as exc:
        console.print(f"[red]Cannot read the knowledge base {kb}: {exc.strerror or exc}[/red]")
        raise typer.Exit(1) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        console.print(f"[red]The knowledge base {kb} is not JSON: {exc}[/red]")
        raise typer.Exit(1) from None
    except ServiceError as exc:
        problems = "; ".join(
            f"{p.get('category') or ''} {p.get('field', '')}: {p.get('problem', '')}".strip()
            for p in getattr(exc, "problems", [])[:5]
        )
        console.print(
            f"[red]The knowledge base {kb} is not valid: {exc.message}"
            + (f" ({problems})" if problems else "")
            + "[/red]"
        )
        raise typer.Exit(1) from None


@app.command()
def ask(
    question: Annotated[
        str | None, typer.Argument(help="One question, answered on stdout.")
    ] = None,
    kb: Annotated[str, typer.Option("--kb", help="The knowledge base export (JSON).")] = "",
    questions: Annotated[
        str | None,
        typer.Option("--questions", help='A JSONL file of questions: objects with "q".'),
    ] = None,
    out: Annotated[
        str, typer.Option("--out", help="Where to write the answers as JSONL (- for stdout).")
    ] = "-",
) -> None:
    """Answer callers' questions from a knowledge base file, offline and with no database:
    one question, or a JSONL file of them (one {"q", "answer", "action", "facts", "sources"}
    line each; action is answer, unknown, message or handoff)."""
    import json
    from pathlib import Path

    from voice_platform.conversation.engine import answer
    from voice_platform.conversation.retrieval import Retriever
    from voice_platform.providers.llm.local import LocalEmbedder

    if not kb:
        console.print("[red]Give the knowledge base with --kb kb.json[/red]")
        raise typer.Exit(1)
    if (question is None) == (questions is None):
        console.print("[red]Ask one QUESTION, or give --questions q.jsonl (not both)[/red]")
        raise typer.Exit(1)
    base = kb_file_or_exit(kb)
    asked: list[str] = []
    if questions is not None:
        try:
            lines = Path(questions).read_text().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            console.print(f"[red]Cannot read the questions {questions}: {exc}[/red]")
            raise typer.Exit(1) from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                item = None
            if not isinstance(item, dict) or not isinstance(item.get("q"), str):
                console.print(
                    f'[red]{questions}, line {number}: expected a JSON object with "q"[/red]'
                )
                raise typer.Exit(1)
            asked.append(item["q"])
    else:
        assert question is not None
        asked.append(question)
    retriever = Retriever(base, LocalEmbedder())
    turns = [(q, answer(q, base, retriever)) for q in asked]
    if questions is None:
        [(_, turn)] = turns
        console.print(f"[dim]{turn.action}[/dim]")
        typer.echo(turn.text)
        return
    rows = [
        json.dumps(
            {
                "q": q,
                "answer": turn.text,
                "action": turn.action,
                "facts": [f"{c.category}.{c.item_id}: {c.text}" for c in turn.facts],
                "sources": sorted({c.source_url for c in turn.facts if c.source_url}),
            },
            ensure_ascii=False,
        )
        for q, turn in turns
    ]
    document = "".join(row + "\n" for row in rows)
    if out == "-":
        sys.stdout.write(document)
    else:
        try:
            Path(out).write_text(document)
        except OSError as exc:
            console.print(f"[red]Cannot write {out}: {exc.strerror or exc}[/red]")
            raise typer.Exit(1) from None
    counts = {
        a: sum(t.action == a for _, t in turns) for a in ("answer", "unknown", "message", "handoff")
    }
    console.print(
        f"Answered {len(turns)} question(s): "
        + ", ".join(f"{n} {a}" for a, n in counts.items())
        + (f"; written to {out}" if out != "-" else "")
    )


@app.command()
def call(
    agent: Annotated[
        str | None, typer.Argument(help="The agent's id or name (not needed with --kb).")
    ] = None,
    tenant: Annotated[
        str | None, typer.Option(help="The business's slug, when names repeat across them.")
    ] = None,
    kb: Annotated[
        str | None, typer.Option("--kb", help="Talk to a knowledge-base export; no database.")
    ] = None,
    caller: Annotated[
        str, typer.Option(help="The caller's number, as the phone would give it.")
    ] = "",
    facts: Annotated[bool, typer.Option(help="Show the facts each answer used.")] = True,
) -> None:
    """A text call with an agent, as a caller would have it: the same dialogue as the phone
    (answers, messages, transfers). Type /keys 123# to press keys, /silence, /quit."""
    import asyncio

    from voice_platform.conversation.dialogue import CallSetup, Dialogue
    from voice_platform.conversation.model_engine import engine_for
    from voice_platform.conversation.retrieval import Retriever
    from voice_platform.conversation.terminal import talk
    from voice_platform.providers.llm.local import LocalEmbedder
    from voice_platform.services import calls

    if kb:
        base = kb_file_or_exit(kb)
        setup = CallSetup(
            kb=base,
            retriever=Retriever(base, LocalEmbedder()),
            business=base.business_name or base.categories.profile.name or "us",
            transfer_to=base.categories.escalation.transfer_number,
            caller_number=caller,
        )
        dialogue = Dialogue(setup, engine_for(None))
    elif agent:
        tenant_id, agent_id = agent_or_exit(agent, tenant)
        setup, _ = calls.agent_setup(tenant_id, agent_id, caller_number=caller)
        dialogue = Dialogue(setup, calls.engine_for(tenant_id))
    else:
        console.print("[red]Name the AGENT to call (its id or name), or give --kb kb.json[/red]")
        raise typer.Exit(1)

    def read() -> str | None:
        try:
            return console.input("[bold]you>[/bold] ")
        except EOFError:
            return None

    ended = asyncio.run(talk(dialogue, read, console, facts=facts))
    console.print(f"[dim]call ended: {ended}[/dim]")


def agent_or_exit(agent: str, tenant: str | None) -> tuple[uuid.UUID, uuid.UUID]:
    """(tenant id, agent id) of the one agent AGENT names, or a clear message and exit 1."""
    import uuid

    from sqlmodel import col, select

    from voice_platform.db import platform_session
    from voice_platform.models import Agent, Tenant

    database_or_exit()
    with platform_session("cli finds an agent to call") as session:
        query = select(Agent, Tenant).join(Tenant, Tenant.id == Agent.tenant_id)  # type: ignore[arg-type]
        try:
            query = query.where(Agent.id == uuid.UUID(agent))
        except ValueError:
            query = query.where(col(Agent.name).ilike(agent.strip()))
        if tenant:
            query = query.where(Tenant.slug == tenant)
        found = session.exec(query).all()
    if not found:
        where = f" in {tenant}" if tenant else ""
        console.print(
            f"[red]No agent {agent!r}{where}; `voice-platform tenants` lists businesses[/red]"
        )
        raise typer.Exit(1)
    if len(found) > 1:
        names = ", ".join(f"{a.id} ({t.slug})" for a, t in found)
        console.print(f"[red]{len(found)} agents are called {agent!r}: {names}. Give the id.[/red]")
        raise typer.Exit(1)
    [(row, _)] = found
    return row.tenant_id, row.id


demo_app = typer.Typer(
    help="Demo data: a made-up call history, so the dashboard has something to show.",
    no_args_is_help=True,
)
app.add_typer(demo_app, name="demo")


def tenant_or_exit(slug: str) -> uuid.UUID:
    """The id of the business with this slug, or a clear message and exit 1."""
    from sqlmodel import select

    from voice_platform.db import platform_session
    from voice_platform.models import Tenant

    database_or_exit()
    with platform_session("cli finds a tenant for demo data") as session:
        found = session.exec(select(Tenant.id).where(Tenant.slug == slug)).first()
    if found is None:
        console.print(
            f"[red]No business with the slug {slug!r} (see `voice-platform tenants`)[/red]"
        )
        raise typer.Exit(1)
    return found


@demo_app.command("seed")
def demo_seed(
    calls: Annotated[int, typer.Option("--calls", min=1, max=1_000_000, help="How many calls.")],
    tenant: Annotated[str, typer.Option(help="The business's slug.")] = "demo",
    days: Annotated[int, typer.Option(min=1, max=730, help="Spread over the last DAYS days.")] = 90,
    seed: Annotated[
        int | None, typer.Option(help="The same seed writes the same calls (this hour).")
    ] = None,
) -> None:
    """Write CALLS made-up calls (channel "demo") for the business's agents, replacing earlier
    demo calls; an active demo agent is created when it has none. `demo clear` removes them."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from voice_platform.db import tenant_session
    from voice_platform.services.demo_calls import seed_calls

    tenant_id = tenant_or_exit(tenant)
    started = time.monotonic()
    with Progress(
        TextColumn("writing calls"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task("calls", total=calls)
        with tenant_session(tenant_id) as session:
            result = seed_calls(
                session,
                tenant_id=tenant_id,
                count=calls,
                days=days,
                seed=seed,
                progress=lambda n: bar.advance(task, n),
            )
    if result.created_agent:
        console.print(f"Created the agent {result.agents[0]!r}.")
    if result.replaced:
        console.print(f"Replaced {result.replaced} earlier demo calls.")
    console.print(
        f"Wrote {result.calls} calls, {result.turns} turns and {result.messages} messages "
        f"over {days} days for {', '.join(result.agents)} "
        f"in {time.monotonic() - started:.1f} s."
    )


@demo_app.command("clear")
def demo_clear(
    tenant: Annotated[str, typer.Option(help="The business's slug.")] = "demo",
) -> None:
    """Remove the business's demo calls (and the demo agent, if `demo seed` created it)."""
    from voice_platform.db import tenant_session
    from voice_platform.services.demo_calls import clear_calls

    tenant_id = tenant_or_exit(tenant)
    with tenant_session(tenant_id) as session:
        removed = clear_calls(session, tenant_id=tenant_id)
    console.print(f"Removed {removed} demo calls.")


analytics_app = typer.Typer(
    help="Call analytics: post-call analysis and the daily per-agent rollups.",
    no_args_is_help=True,
)
app.add_typer(analytics_app, name="analytics")


@analytics_app.command("rebuild")
def analytics_rebuild(
    tenant: Annotated[
        str | None, typer.Option(help="Only this business (its slug); default: every one.")
    ] = None,
    reanalyze: Annotated[
        bool, typer.Option("--reanalyze", help="Analyse every call again first.")
    ] = False,
) -> None:
    """Aggregate the daily per-agent call statistics again from the calls (and, with
    --reanalyze, run the post-call analysis of every call again first)."""
    import asyncio
    from typing import Any

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from sqlmodel import col, select

    from voice_platform.db import platform_session, tenant_session
    from voice_platform.models import Call, Tenant
    from voice_platform.services import analysis, rollups

    database_or_exit()
    with platform_session("cli lists tenants for an analytics rebuild") as session:
        query = select(Tenant.id, Tenant.slug).order_by(col(Tenant.slug))
        if tenant:
            query = query.where(Tenant.slug == tenant)
        businesses = list(session.exec(query))
    if tenant and not businesses:
        console.print(
            f"[red]No business with the slug {tenant!r} (see `voice-platform tenants`)[/red]"
        )
        raise typer.Exit(1)
    days = analysed = 0
    with Progress(
        TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        if reanalyze:

            async def analyse_all(tenant_id: uuid.UUID, ids: list[uuid.UUID], task: Any) -> int:
                done = 0
                for call_id in ids:
                    if await analysis.analyze_and_store(call_id, tenant_id) is not None:
                        done += 1
                    bar.advance(task)
                return done

            for tenant_id, slug in businesses:
                with tenant_session(tenant_id) as session:
                    ids = list(session.exec(select(Call.id).where(Call.tenant_id == tenant_id)))
                task = bar.add_task(f"analysing {slug}"[:24], total=len(ids))
                analysed += asyncio.run(analyse_all(tenant_id, ids, task))
        task = bar.add_task("recounting", total=len(businesses))
        for tenant_id, _slug in businesses:
            with tenant_session(tenant_id) as session:
                days += rollups.rebuild(session, tenant_id)
            bar.advance(task)
    console.print(
        (f"Analysed {analysed} calls; " if reanalyze else "")
        + f"{days} agent-days recounted for {len(businesses)} "
        + ("business" if len(businesses) == 1 else "businesses")
    )


if __name__ == "__main__":
    app()
