"""Several web nodes: one indexer (this test process: it imports and writes the index) and two web nodes
(gunicorn in subprocesses, on the same database, each reading its own copy of the index, read-only). A
new generation reaches a node only when it is published to it; while the copy is in flight the node
answers from the old one; once both have it, both answer the same hits."""

from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from khizana.catalog.models import Work
from khizana.catalog.services import import_file
from khizana.catalog.signals import works_changed
from khizana.operations import nodes
from khizana.search import engine, services
from khizana.search.models import IndexQueue
from khizana.testing import DEMO, make_library
from tests.support import REPO

FIRST = DEMO / "records" / "BNA" / "medialab_cotesT.mrc"  # 19 records
SECOND = DEMO / "records" / "BNA" / "xbib_IRMARC8.mrc"  # 10 more
EVERY_WORK = ""  # the empty query lists every work
SECRET = "web-nodes-test-key-" + "n" * 40


@pytest.fixture
def indexer(settings, tmp_path):
    """This process as the indexer node, its index in a directory of its own."""
    settings.KHIZANA_INDEX_DIR = str(tmp_path / "indexer")
    settings.KHIZANA_INDEX_READ_ONLY = False
    settings.KHIZANA_SYNC_INDEX_ON_COMMIT = True
    return Path(settings.KHIZANA_INDEX_DIR)


def database_url() -> str:
    """The test database, as the web nodes' DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WebNode:
    """gunicorn serving Khizana with its own (read-only) index directory and the indexer's database."""

    def __init__(self, root: Path):
        self.index_dir = root / "search"
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "khizana.settings",
            "DATABASE_URL": database_url(),
            "KHIZANA_DATA_DIR": str(root),
            "KHIZANA_INDEX_DIR": str(self.index_dir),
            "KHIZANA_INDEX_READ_ONLY": "1",
            "KHIZANA_PLAIN_STATIC": "1",
            "KHIZANA_RATE_ENABLED": "0",  # python-requests is on the robots list; fair use is tested apart
            "KHIZANA_SHED_ENABLED": "0",
            "SECRET_KEY": SECRET,
        }
        command = [sys.executable, "-m", "gunicorn", "khizana.wsgi", "--bind", f"127.0.0.1:{port}"]
        self.process = subprocess.Popen(
            [*command, "--workers", "1", "--no-control-socket", "--log-level", "warning"], env=env, cwd=REPO
        )

    def wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/api/", timeout=10)
                return
            except requests.RequestException:
                assert self.process.poll() is None, "gunicorn exited before answering"
                time.sleep(0.2)
        raise AssertionError(f"{self.url} did not answer within {timeout} s")

    def search(self, query: str) -> tuple[int, list[int]]:
        response = requests.get(self.url + "/api/search", params={"q": query, "size": 100}, timeout=30)
        response.raise_for_status()
        body = response.json()
        return body["total"], [hit["id"] for hit in body["hits"]]

    def search_until(self, query: str, total: int, timeout: float = 10) -> tuple[int, list[int]]:
        """The node looks at CURRENT every second: wait until it has switched."""
        deadline = time.monotonic() + timeout
        while (found := self.search(query))[0] != total and time.monotonic() < deadline:
            time.sleep(0.2)
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def web_nodes(tmp_path):
    started = [WebNode(tmp_path / name) for name in ("node-a", "node-b")]
    try:
        yield started
    finally:
        for node in started:
            node.stop()


def import_on_indexer(path: Path) -> None:
    call_command("import", "--library", "BNA", str(path), "--no-progress", stdout=io.StringIO())
    assert not IndexQueue.objects.exists()  # the indexer indexed what the import changed


def on_indexer() -> tuple[int, list[int]]:
    expected = services.search(EVERY_WORK, page_size=100, facets=False)
    return expected.total, [hit.work_id for hit in expected.hits]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_web_nodes_serve_the_same_generation_once_it_is_published_to_both(indexer, web_nodes):
    make_library("BNA")
    import_on_indexer(FIRST)
    node_a, node_b = web_nodes
    first = nodes.publish(indexer, [node_a.index_dir, node_b.index_dir])
    assert [result.copied for result in first] == [True, True]
    for node in web_nodes:
        node.wait()
    before = on_indexer()
    assert before[0] > 10
    assert node_a.search(EVERY_WORK) == node_b.search(EVERY_WORK) == before

    import_on_indexer(SECOND)  # the indexer's index has the new works; the nodes not yet
    after = on_indexer()
    assert after[0] > before[0]
    assert node_a.search(EVERY_WORK) == node_b.search(EVERY_WORK) == before

    served_during_copy = []

    def while_copying(path: Path) -> None:
        if not served_during_copy:  # the first file of the new generation is there, the rest is not
            served_during_copy.append((node_a.search(EVERY_WORK), nodes.served_generation(node_a.index_dir)))

    [to_a] = nodes.publish(indexer, [node_a.index_dir], on_file=while_copying)
    assert served_during_copy == [(before, first[0].generation)]
    assert to_a.copied and to_a.generation != first[0].generation
    assert node_a.search_until(EVERY_WORK, after[0]) == after
    assert node_b.search(EVERY_WORK) == before  # not published there yet

    again = nodes.publish(indexer, [node_a.index_dir, node_b.index_dir])
    assert [(result.copied, result.generation) for result in again] == [
        (False, to_a.generation),  # node A has it already: nothing copied
        (True, to_a.generation),
    ]
    assert node_b.search_until(EVERY_WORK, after[0]) == node_a.search(EVERY_WORK) == after
    # a node keeps the live generation and the one before it
    assert len(list(node_a.index_dir.glob("gen-*"))) == 2


@pytest.mark.django_db(transaction=True)
def test_a_read_only_node_never_writes_its_index(indexer, settings):
    make_library("BNA")
    import_on_indexer(SECOND)
    generation = services._handle.location().current()
    files = sorted(path.name for path in generation.iterdir())
    settings.KHIZANA_INDEX_READ_ONLY = True
    with transaction.atomic():  # a staff change on a web node: the works it touched
        works_changed.send(sender=Work, work_ids=list(Work.objects.values_list("id", flat=True)[:3]))
    assert IndexQueue.objects.count() == 3  # queued for the indexer, not indexed here
    assert sorted(path.name for path in generation.iterdir()) == files
    for action in ("sync", "rebuild"):
        with pytest.raises(CommandError, match="KHIZANA_INDEX_READ_ONLY=1"):
            call_command("index", action)
    settings.KHIZANA_INDEX_READ_ONLY = False
    assert services.sync_index() == 3  # the indexer catches up
    assert sorted(path.name for path in generation.iterdir()) != files


def test_publishing_refuses_what_it_cannot_do_and_names_it(indexer, tmp_path):
    with pytest.raises(nodes.PublishError, match="no search index to publish"):
        nodes.publish(indexer, [tmp_path / "node"])
    with pytest.raises(CommandError, match="no search index to publish"):
        call_command("index_publish", "--to", str(tmp_path / "node"))
    assert not (tmp_path / "node").exists()  # nothing made on the node
    empty_index(indexer)
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    with pytest.raises(nodes.PublishError, match=f"{a_file}: not a directory"):
        nodes.publish(indexer, [a_file])
    with pytest.raises(nodes.PublishError, match="the index being published"):
        nodes.publish(indexer, [indexer])
    with pytest.raises(nodes.PublishError, match="--keep 0"):
        nodes.publish(indexer, [tmp_path / "node"], keep=0)


def test_a_published_copy_can_be_published_on_as_it_is(indexer, tmp_path):
    empty_index(indexer)
    [first] = nodes.publish(indexer, [tmp_path / "a"])
    [relayed] = nodes.publish(tmp_path / "a", [tmp_path / "b"], immutable_source=True)
    assert relayed.copied and relayed.generation == first.generation
    assert nodes.served_generation(tmp_path / "b") == first.generation
    assert not list(indexer.glob(".publish-*"))  # the snapshot is gone


def empty_index(root: Path) -> None:
    """A real (empty) index generation made live in ``root``, as a rebuild leaves it."""
    location = engine.IndexLocation(root=root)
    generation = location.new_generation()
    writer = engine.create_index(generation).writer(services.WRITER_HEAP)
    writer.commit()
    writer.wait_merging_threads()
    location.switch_to(generation)


@pytest.mark.django_db
def test_the_command_publishes_to_the_configured_nodes_and_copies_a_generation_once(
    indexer, settings, tmp_path
):
    settings.KHIZANA_INDEX_PUBLISH_TO = []
    with pytest.raises(CommandError, match="no node to publish to"):
        call_command("index_publish")
    library = make_library("BNA")
    import_file(library, SECOND)
    services.rebuild_index()
    settings.KHIZANA_INDEX_PUBLISH_TO = [str(tmp_path / "a"), str(tmp_path / "b")]
    out = io.StringIO()
    call_command("index_publish", stdout=out)
    assert out.getvalue().count("now serves gen-") == 2
    out = io.StringIO()
    call_command("index_publish", "--to", str(tmp_path / "a"), stdout=out)
    assert "already serves" in out.getvalue()
    import_file(library, FIRST)
    services.sync_index()  # (no commit in this test: synchronised by hand)
    call_command("index_publish", "--keep", "1", stdout=io.StringIO())
    for node in ("a", "b"):
        [generation] = (tmp_path / node).glob("gen-*")  # --keep 1: the live one only
        assert nodes.served_generation(tmp_path / node) == generation.name
        assert stat.S_IMODE((generation / "meta.json").stat().st_mode) == 0o444
